# frozen_string_literal: true

require_relative "test_helper"

class TestCustom < Minitest::Test
  include Fixtures

  def setup
    skip "this libcustseg has no custom strategies" unless Custseg.custom_strategies?
  end

  def teardown
    %w[rb_big rb_ctx rb_bad rb_pairs rb_gone].each do |n|
      Custseg.unregister_strategy(n)
    rescue Custseg::NotFoundError
      nil
    end
  end

  def test_returned_names
    Custseg.register_strategy("rb_big") { |a| a.map { |c| c.monetary >= 25 ? "Big" : "Small" } }
    tx_dataset do |ds|
      Custseg.run("rb_big", ds) do |r|
        assert_equal "rb_big", r.strategy
        assert_equal [["Small", 2], ["Big", 3]], r.each_segment.map { |s| [s.name, s.count] }
        assert_equal %w[b c e], r.segment("Big").members
        e = r["e"]
        assert_equal ["Big", d("100.125"), 4, 1, 100.125], [e.segment, e.monetary, e.recency, e.frequency, e.score]
        assert_equal %i[recency frequency monetary], r.fields
        assert_equal d("155.625"), r.segment("Big").revenue
        assert_equal "customer_id,recency,frequency,monetary,score,segment", r.to_csv.lines.first.chomp
      end
    end
  end

  def test_context
    seen = {}
    Custseg.register_strategy("rb_ctx") do |a|
      seen[:size] = a.size
      seen[:ids] = a.ids
      seen[:first] = a[0]
      seen[:freq] = a.frequency
      seen[:rec] = a.metric(:recency)
      a.define("Recent")
      a.define("Old")
      a.ids.each_index { |i| a.set(i, a.recency[i] <= 3 ? "Recent" : 1, score: i) }
      seen[:ctx] = a
    end
    r = tx_dataset { |ds| Custseg.run("rb_ctx", ds, as_of: "2024-01-08") }
    assert_equal 5, seen[:size]
    assert_equal %w[a b c d e], seen[:ids]
    assert_equal Custseg::Customer.new(0, "a", 7, 1, d("10")), seen[:first]
    assert_equal [1, 2, 1, 3, 1], seen[:freq]
    assert_equal [7, 5, 3, 1, 4], seen[:rec]
    assert_equal [2, 3], r.segments.map(&:count)
    assert_equal 3.0, r["d"].score
    assert_raises(Custseg::MisuseError) { seen[:ctx].define("late") }
  end

  def test_pairs_and_set_all
    Custseg.register_strategy("rb_pairs") { |a| a.map { |c| ["All", c.frequency * 10] } }
    tx_dataset { |ds| assert_equal 30.0, Custseg.run("rb_pairs", ds).segment("All").stat(:score_max) }
    Custseg.register_strategy("rb_pairs", replace: true) do |a|
      a.define("Low")
      a.define("High")
      m = a.metric(:monetary)
      a.set_all(m.map { |v| v >= 250_000 ? 1 : 0 }, m.map { |v| v / 1e4 })
    end
    tx_dataset do |ds|
      r = Custseg.run("rb_pairs", ds)
      assert_equal [["Low", 2], ["High", 3]], r.each_segment.map { |s| [s.name, s.count] }
      assert_in_delta (25.5 + 30 + 100.125) / 3, r.segment("High").stat(:score_mean)
    end
  end

  def test_exceptions_propagate
    Custseg.register_strategy("rb_bad") { raise KeyError, "bad strategy" }
    tx_dataset do |ds|
      Custseg::Strategy.open("rb_bad") do |s|
        e = assert_raises(KeyError) { s.run(ds) }
        assert_kind_of Custseg::CallbackError, e.cause
        assert_includes s.errmsg, "KeyError: bad strategy"
      end
      Custseg.register_strategy("rb_bad", replace: true) { |a| a.define("X") }
      e = assert_raises(Custseg::InvalidArgumentError) { Custseg.run("rb_bad", ds) }
      assert_includes e.message, "no segment"
      Custseg.register_strategy("rb_bad", replace: true) { |a| a.error("told to fail") }
      e = assert_raises(Custseg::CallbackError) { Custseg.run("rb_bad", ds) }
      assert_equal "told to fail", e.message
    end
  end

  def test_registry
    Custseg.register_strategy("rb_gone") { |a| ["A"] * a.size }
    assert_raises(Custseg::MisuseError) { Custseg.register_strategy("rb_gone") { nil } }
    assert_raises(Custseg::MisuseError) { Custseg.register_strategy("rfm") { nil } }
    assert_raises(Custseg::InvalidArgumentError) { Custseg.register_strategy("bad name!") { nil } }
    s = Custseg::Strategy.new("rb_gone")
    assert_equal %w[as_of threads], s.options.keys.sort
    Custseg.unregister_strategy("rb_gone")
    assert_raises(Custseg::NotFoundError) { Custseg.unregister_strategy("rb_gone") }
    assert_raises(Custseg::NotFoundError) { Custseg::Strategy.new("rb_gone") }
    GC.start
    tx_dataset { |ds| assert_equal 5, s.run(ds).segment("A").count }
    before = Custseg.registry.size
    s.close
    assert_equal before - 1, Custseg.registry.size
  end

  def test_threads
    Custseg.register_strategy("rb_big") { |a| a.map { |c| c.frequency > 1 ? "B" : "S" } }
    tx_dataset do |ds|
      ds.freeze!
      out = Array.new(4) { Thread.new { Custseg.run("rb_big", ds, &:to_csv) } }.map(&:value)
      assert_equal 1, out.uniq.size
    end
  end
end
