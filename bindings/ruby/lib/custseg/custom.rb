# frozen_string_literal: true

module Custseg
  # One row handed to a custom strategy.
  Customer = Struct.new(:row, :id, :recency, :frequency, :monetary)

  # What a custom strategy's block receives: the customers of one run (in
  # byte order of id) and the means to give each a segment. Enumerable over
  # Customer rows; #metric gives a whole column; #define, #set and #set_all
  # assign, or the block returns one segment name (or [name, score]) per
  # row. Valid only during the call.
  class Assignment
    include Enumerable

    attr_reader :size
    alias length size

    def initialize(ctx)
      @ctx = ctx
      @size = Native.custseg_assign_customer_count(ctx)
      @segments = {}
    end

    def close # :nodoc:
      @ctx = nil
    end

    # Whether #set or #set_all was called.
    def touched? = @touched ? true : false

    def customer_id(row)
      Native.custseg_assign_customer_id(ctx, row) or raise IndexError, "row #{row} out of range"
    end

    def ids
      @ids ||= (0...@size).map { |i| Native.custseg_assign_customer_id(ctx, i) }
    end

    # A metric of every row: :recency (days), :frequency (orders) or
    # :monetary (ten-thousandths), one C call.
    def metric(name)
      field = %i[recency frequency monetary].index(name.to_sym) or
        raise ArgumentError, "unknown metric #{name}"
      mem = FFI::MemoryPointer.new(:int64, [@size, 1].max)
      check(Native.custseg_assign_metric_range(mem, ctx, field, 0, @size), "metric")
      mem.read_array_of_int64(@size)
    end

    def recency = metric(:recency)
    def frequency = metric(:frequency)
    # Monetary values as exact BigDecimals.
    def monetary = metric(:monetary).map { |v| Convert.money(v) }

    def [](row)
      row += @size if row.negative?
      raise IndexError, "row #{row} out of range" unless row.between?(0, @size - 1)

      v = FFI::MemoryPointer.new(:int64)
      vals = (0..2).map do |f|
        check(Native.custseg_assign_metric(v, ctx, row, f), "metric")
        v.read_int64
      end
      Customer.new(row, customer_id(row), vals[0], vals[1], Convert.money(vals[2]))
    end

    def each
      return enum_for(:each) { @size } unless block_given?

      rec = recency
      freq = frequency
      mon = metric(:monetary)
      ids.each_with_index do |id, i|
        yield Customer.new(i, id, rec[i], freq[i], Convert.money(mon[i]))
      end
      self
    end

    # An attribute of one row (nil: no value), or of every row.
    def attribute(name, row = nil)
      return (0...@size).map { |i| attribute(name, i) } if row.nil?

      num = FFI::MemoryPointer.new(:double)
      rc = Native.custseg_assign_attribute_number(num, ctx, row, name.to_s)
      return (num.read_double.nan? ? nil : num.read_double) if rc.zero?

      if rc == -2
        str = FFI::MemoryPointer.new(:pointer)
        rc = Native.custseg_assign_attribute_string(str, ctx, row, name.to_s)
        return (str.read_pointer.null? ? nil : str.read_pointer.read_string.force_encoding(Encoding::UTF_8)) if rc.zero?
      end
      check(rc, "attribute #{name} of row #{row}")
    end

    # Define a segment (again: the same index); returns its index.
    def define(name)
      @segments[name] ||= begin
        out = FFI::MemoryPointer.new(:size_t)
        check(Native.custseg_assign_define_segment(out, ctx, Convert.cstr(name)),
              "segment #{name.inspect}")
        out.read(:size_t)
      end
    end

    # Put a row in a segment (name or index) with a score (nil: monetary).
    def set(row, segment, score: nil)
      @touched = true
      check(Native.custseg_assign_set(ctx, row, index(segment), score.nil? ? Float::NAN : score.to_f),
            "row #{row}")
    end

    # Set rows first, first + 1, ...: segments holds names, indexes or
    # [segment, score] pairs; scores (optional) one score per row.
    def set_all(segments, scores = nil, first: 0)
      @touched = true
      segments = segments.to_a
      if segments.first.is_a?(Array)
        scores ||= segments.map(&:last)
        segments = segments.map(&:first)
      end
      idx = Convert.uint32s(segments.map { |s| index(s) })
      sc = scores && Convert.doubles(scores.map { |x| x.nil? ? Float::NAN : x.to_f })
      check(Native.custseg_assign_set_range(ctx, first, segments.size, idx, sc),
            "rows #{first}..#{first + segments.size - 1}")
    end

    # Make the run fail with CallbackError and message.
    def error(message)
      Native.custseg_assign_error(ctx, message.to_s.byteslice(0, 511))
    end

    private

    def ctx
      @ctx or raise MisuseError.new("the assignment is over: use it only during the block", -6)
    end

    def index(segment)
      segment.is_a?(Integer) ? segment : define(segment.to_s)
    end

    def check(rc, what)
      raise Custseg.error_for(rc, "#{what}: #{Native.custseg_strerror(rc)}") unless rc.zero?
    end
  end

  @registry = {}
  @next_key = 0
  @registry_lock = Mutex.new

  class << self
    attr_reader :registry # :nodoc:

    # Register a block as a custom strategy named name, usable as
    # Custseg::Strategy.new(name) / Custseg.run(name, ds). The block gets an
    # Assignment and either sets every row (#set, #set_all) or returns an
    # Array with one segment per row; an exception it raises fails the run
    # and propagates.
    #   Custseg.register_strategy("big") { |a| a.map { |c| c.monetary > 100 ? "Big" : "Small" } }
    def register_strategy(name, replace: false, &block)
      raise ArgumentError, "register_strategy needs a block" unless block
      raise NotImplementedError, "this libcustseg has no custom strategies" \
        unless Native.has?(:custseg_register_strategy)

      if replace
        begin
          unregister_strategy(name)
        rescue NotFoundError
          nil
        end
      end
      key = @registry_lock.synchronize do
        @next_key += 1
        @registry[@next_key] = block
        @next_key
      end
      name_mem = FFI::MemoryPointer.from_string(Convert.cstr(name, "name"))
      ops = Native::StrategyOps.new
      ops[:version] = 1
      ops[:name] = name_mem
      ops[:assign] = ASSIGN
      ops[:destroy] = DESTROY
      ops[:payload] = FFI::Pointer.new(key)
      rc = Native.custseg_register_strategy(ops)
      unless rc.zero?
        @registry_lock.synchronize { @registry.delete(key) }
        why = { -6 => "the name is built in or already registered",
                -2 => "names are 1 to 31 characters of A-Z a-z 0-9 _ . -" }
        raise error_for(rc, "cannot register strategy #{name.inspect}: " +
                            why.fetch(rc) { Native.custseg_strerror(rc) })
      end
      block
    end

    # Remove a registered custom strategy (NotFoundError when unknown);
    # strategies already created from it keep working.
    def unregister_strategy(name)
      rc = Native.custseg_unregister_strategy(Convert.cstr(name, "name"))
      raise error_for(rc, rc == -5 ? "no custom strategy named #{name.inspect}" : "") unless rc.zero?

      nil
    end

    def assign_callback(ctx, payload) # :nodoc:
      a = Assignment.new(ctx)
      begin
        block = @registry_lock.synchronize { @registry.fetch(payload.address) }
        ret = block.call(a)
        # The block's value assigns the rows only when it set none itself
        # (a block's last expression is its value, whatever it is).
        a.set_all(ret) if !a.touched? && ret.respond_to?(:to_ary)
        0
      rescue Exception => e # rubocop:disable Lint/RescueException
        Thread.current[:custseg_assign_exc] = e
        Native.custseg_assign_error(ctx, "#{e.class}: #{e.message}".byteslice(0, 511).scrub.delete("\0"))
        1
      ensure
        a.close
      end
    end

    def destroy_callback(payload) # :nodoc:
      @registry_lock.synchronize { @registry.delete(payload.address) }
    end
  end

  ASSIGN = FFI::Function.new(:int, %i[pointer pointer]) { |c, p| Custseg.assign_callback(c, p) }
  DESTROY = FFI::Function.new(:void, [:pointer]) { |p| Custseg.destroy_callback(p) }
  private_constant :ASSIGN, :DESTROY
end
