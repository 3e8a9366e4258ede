# frozen_string_literal: true

require "bigdecimal"
require "date"

module Custseg
  # Conversions to the library's representations: times as Unix seconds,
  # money as Integer ten-thousandths, columns as packed native buffers.
  module Convert
    E4 = 10_000
    MAX = (2**63) - 1

    module_function

    # A time as Unix seconds: Integer, Time, Date (midnight UTC), DateTime,
    # Float (floored) or text parsed by custseg_parse_time().
    def seconds(value)
      case value
      when Integer then value
      when Time then value.to_i
      when DateTime then value.to_time.to_i
      when Date then Time.utc(value.year, value.month, value.day).to_i
      when Float then value.floor
      when String then Custseg.parse_time(value)
      else raise TypeError, "cannot use #{value.class} #{value.inspect} as a time"
      end
    end

    # An amount in ten-thousandths: Integer, BigDecimal and Rational exactly
    # (rounded half to even to 4 places), Float as the C library rounds
    # doubles (value * 10000, half to even), text by custseg_parse_amount().
    def e4(value)
      v = case value
          when Integer then value * E4
          when BigDecimal, Rational
            raise ArgumentError, "invalid amount #{value}" if value.respond_to?(:finite?) && !value.finite?

            (value * E4).round(half: :even).to_i
          when Float
            raise ArgumentError, "invalid amount #{value}" unless value.finite?

            (value * E4).round(half: :even)
          when String then return Custseg.parse_amount_e4(value)
          else raise TypeError, "cannot use #{value.class} #{value.inspect} as an amount"
          end
      raise ArgumentError, "amount out of range: #{value}" unless v.between?(-MAX - 1, MAX)

      v
    end

    # Ten-thousandths as an exact BigDecimal.
    def money(e4)
      BigDecimal(e4) / E4
    end

    # A C string argument: UTF-8 without NUL.
    def cstr(value, what = "string")
      s = value.to_s
      raise ArgumentError, "#{what} contains a NUL character" if s.include?("\0")

      s
    end

    # Native memory holding int64 values (nil for nil).
    def int64s(values)
      return nil if values.nil?

      mem = FFI::MemoryPointer.new(:int64, [values.size, 1].max)
      mem.write_array_of_int64(values) unless values.empty?
      mem
    end

    def doubles(values)
      return nil if values.nil?

      mem = FFI::MemoryPointer.new(:double, [values.size, 1].max)
      mem.write_array_of_double(values) unless values.empty?
      mem
    end

    def uint32s(values)
      mem = FFI::MemoryPointer.new(:uint32, [values.size, 1].max)
      mem.write_array_of_uint32(values) unless values.empty?
      mem
    end

    def bytes(str)
      mem = FFI::MemoryPointer.new(:char, [str.bytesize, 1].max)
      mem.put_bytes(0, str) unless str.empty?
      mem
    end

    # Strings packed end to end with n + 1 offsets, as the bulk calls take.
    def packed(values, what)
      strs = values.map do |v|
        raise ArgumentError, "missing #{what} id" if v.nil?

        s = v.to_s
        raise ArgumentError, "a #{what} id contains a NUL character" if s.include?("\0")

        s
      end
      offsets = [0]
      strs.each { |s| offsets << (offsets.last + s.bytesize) }
      [bytes(strs.map(&:b).join), int64s(offsets)]
    end

    def integers?(values)
      !values.empty? && values.all? { |v| v.is_a?(Integer) }
    end
  end
end
