# frozen_string_literal: true

# Ruby bindings for libcustseg, customer segmentation in C, over the ffi gem
# (nothing to compile). The library is found through CUSTSEG_LIBRARY, the
# installed library, or the build tree (see Custseg::Native).
#
#   require "custseg"
#   Custseg::Dataset.open do |ds|
#     ds.add("alice", "A1", "2024-01-05", "49.99")
#     ds.add("bob", "B1", "2023-11-20", 12)
#     Custseg.run("rfm", ds) do |result|
#       result.each_segment { |seg| puts "#{seg.name}: #{seg.count}" if seg.count.positive? }
#       result.each { |row| p row }
#     end
#   end
#
# Money is exact: amounts go in as Integer, BigDecimal, Rational, Float or
# String and come out as BigDecimal (the library keeps Integer
# ten-thousandths). Times are Unix seconds, Time, Date, DateTime or text.
module Custseg
  VERSION = "1.0.0"
end

require_relative "custseg/native"
require_relative "custseg/errors"
require_relative "custseg/convert"
require_relative "custseg/handle"
require_relative "custseg/dataset"
require_relative "custseg/result"
require_relative "custseg/strategy"
require_relative "custseg/custom"

module Custseg
  # custseg_version_string() of the loaded library.
  def self.version = Native.custseg_version_string

  def self.library_version_number = Native.custseg_version

  # Where the library was loaded from.
  def self.library_path = Native::PATH

  def self.custom_strategies? = Native.has?(:custseg_register_strategy)

  # custseg_strerror()
  def self.strerror(status) = Native.custseg_strerror(status)

  # Unix seconds of a timestamp, as the CSV loader parses it.
  def self.parse_time(text)
    out = FFI::MemoryPointer.new(:int64)
    rc = Native.custseg_parse_time(out, Convert.cstr(text, "time"))
    raise error_for(rc, "invalid time #{text.inspect}") unless rc.zero?

    out.read_int64
  end

  # A decimal number as an exact BigDecimal (half to even, 4 places).
  def self.parse_amount(text) = Convert.money(parse_amount_e4(text))

  def self.parse_amount_e4(text) # :nodoc:
    out = FFI::MemoryPointer.new(:int64)
    rc = Native.custseg_parse_amount(out, Convert.cstr(text, "amount"))
    raise error_for(rc, "invalid amount #{text.inspect}") unless rc.zero?

    out.read_int64
  end

  # custseg_set_allocator(): route the library's allocations through
  # callables taking and returning FFI::Pointers: alloc.(size),
  # realloc.(pointer, size), free.(pointer). With no arguments, restore
  # malloc. Only before the library allocates anything (else MisuseError).
  def self.set_allocator(alloc = nil, realloc = nil, free = nil)
    if alloc.nil? && realloc.nil? && free.nil?
      rc = Native.custseg_set_allocator(nil)
      raise error_for(rc, rc == -6 ? "set_allocator: the library has already allocated" : "") unless rc.zero?

      @allocator = nil
      return
    end
    raise ArgumentError, "set_allocator needs alloc, realloc and free" unless alloc && realloc && free

    table = Native::Allocator.new
    table[:version] = 1
    table[:alloc] = FFI::Function.new(:pointer, %i[pointer size_t]) { |_, n| alloc.call(n) }
    table[:realloc] = FFI::Function.new(:pointer, %i[pointer pointer size_t]) { |_, p, n| realloc.call(p, n) }
    table[:free] = FFI::Function.new(:void, %i[pointer pointer]) { |_, p| free.call(p) unless p.null? }
    rc = Native.custseg_set_allocator(table)
    raise error_for(rc, rc == -6 ? "set_allocator: must be called before the library allocates" : "") unless rc.zero?

    @allocator = [table, table[:alloc], table[:realloc], table[:free]]
    nil
  end
end
