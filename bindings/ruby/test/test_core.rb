# frozen_string_literal: true

require_relative "test_helper"
require "open3"
require "rbconfig"

class TestCore < Minitest::Test
  include Fixtures

  def test_version_and_library
    assert_equal "1.0.0", Custseg.version
    assert_equal 1, Custseg.library_version_number / 10_000
    assert File.exist?(Custseg.library_path)
    assert_equal "success", Custseg.strerror(0)
  end

  def test_every_public_function_is_attached_and_used
    header = File.join(ROOT, "include", "custseg.h")
    skip "no include/custseg.h" unless File.exist?(header)
    decls = File.read(header).scan(/CUSTSEG_API[^;(]*?\b(custseg_\w+)\s*\(/).flatten.uniq
    assert_operator decls.size, :>, 80
    assert_empty decls.map(&:to_sym) - Custseg::Native::FUNCTIONS.keys, "not declared"
    code = Dir[File.join(ROOT, "bindings/ruby/lib/**/*.rb")]
           .reject { |f| f.end_with?("native.rb") }.map { |f| File.read(f) }.join
    assert_empty decls.reject { |f| code.include?(f) }, "declared but never wrapped"
  end

  def test_times_and_amounts
    jan1 = 1_704_067_200
    assert_equal jan1, Custseg::Convert.seconds("2024-01-01")
    assert_equal jan1, Custseg::Convert.seconds(Date.new(2024, 1, 1))
    assert_equal jan1, Custseg::Convert.seconds(Time.utc(2024, 1, 1))
    assert_equal jan1, Custseg::Convert.seconds(DateTime.new(2024, 1, 1, 2, 0, 0, "+02:00"))
    assert_equal jan1, Custseg.parse_time("2024-01-01T02:00:00+02:00")
    assert_raises(Custseg::InvalidArgumentError) { Custseg.parse_time("nope") }
    assert_equal 120_000, Custseg::Convert.e4(12)
    assert_equal 499_900, Custseg::Convert.e4(d("49.99"))
    assert_equal 0, Custseg::Convert.e4(d("0.00005"))
    assert_equal 2, Custseg::Convert.e4(d("0.00015"))
    assert_equal 1000, Custseg::Convert.e4(0.1)
    assert_equal 3333, Custseg::Convert.e4(Rational(1, 3))
    assert_equal d("100.125"), Custseg.parse_amount("100.125")
    assert_raises(ArgumentError) { Custseg::Convert.e4(10**16) }
    assert_raises(TypeError) { Custseg::Convert.e4(nil) }
  end

  def test_errors_carry_the_handle_message
    Custseg::Dataset.open do |ds|
      e = assert_raises(Custseg::NotFoundError) { ds.set(no_such_option: 1) }
      assert_equal(-5, e.status)
      assert_equal "CUSTSEG_ENOTFOUND", e.code
      assert_includes e.message, "no_such_option"
      assert_kind_of Custseg::Error, e
    end
    e = assert_raises(Custseg::InvalidArgumentError) { Custseg::Strategy.new("rfm", bins: 11) }
    assert_includes e.message, "bins"
    assert_raises(Custseg::NotFoundError) { Custseg::Strategy.new("no-such") }
    Custseg::Dataset.open { |ds| assert_raises(Custseg::NoDataError) { Custseg.run("rfm", ds) } }
  end

  def test_handles
    ds = tx_dataset
    ds.close
    ds.close
    assert ds.closed?
    assert_raises(Custseg::MisuseError) { ds.freeze! }
    r = tx_dataset { |x| Custseg.run("rfm", x) } # outlives its dataset
    GC.start
    assert_equal "Loyal Customers", r["e"].segment
    seg = r.segment(0)
    r.close
    assert_raises(Custseg::MisuseError) { seg.count }
    200.times { tx_dataset { |x| Custseg.run("decile", x).segments } }
  end

  def test_frozen_dataset
    tx_dataset do |ds|
      ds.freeze!
      assert ds.data_frozen?
      assert_raises(Custseg::MisuseError) { ds.add("z", nil, 0, 1) }
    end
  end

  ALLOCATOR = <<~RUBY
    require "custseg"
    libc = Module.new do
      extend FFI::Library
      ffi_lib FFI::Library::LIBC
      attach_function :malloc, [:size_t], :pointer
      attach_function :realloc, %i[pointer size_t], :pointer
      attach_function :free, [:pointer], :void
    end
    live = {}
    Custseg.set_allocator(->(n) { p = libc.malloc(n); live[p.address] = n; p },
                          ->(p, n) { live.delete(p.address); q = libc.realloc(p, n); live[q.address] = n; q },
                          ->(p) { live.delete(p.address); libc.free(p) })
    ds = Custseg::Dataset.new
    ds.add("a", nil, 0, 1)
    r = Custseg.run("rfm", ds)
    raise "hooks unused" if live.empty?
    ds.close
    r.close
    raise "leak: \#{live}" unless live.empty?
    begin
      Custseg.set_allocator
    rescue Custseg::MisuseError
      puts "ok"
    end
  RUBY

  def test_allocator_in_a_fresh_process
    out, err, st = Open3.capture3(RbConfig.ruby, "-I", File.join(ROOT, "bindings/ruby/lib"),
                                  "-e", ALLOCATOR)
    assert st.success?, err
    assert_equal "ok", out.strip
    tx_dataset { nil }
    assert_raises(Custseg::MisuseError) { Custseg.set_allocator }
  end
end
