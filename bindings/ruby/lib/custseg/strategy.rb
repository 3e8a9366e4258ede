# frozen_string_literal: true

module Custseg
  # A segmentation method ("rfm", "decile", ..., or a registered custom
  # strategy) with typed options set as keywords and checked at once:
  #
  #   Custseg::Strategy.open("rfm", bins: 5, binning: "quantile") do |s|
  #     s.run(ds).each_segment { |seg| puts seg.name }
  #   end
  #
  # segments: (rfm) a segment map CSV path, or pairs/hash of name => spec
  # (a Hash of r:, f:, m: ranges, or score codes). rules: (prior) a rules
  # file path, or pairs/hash of segment => expression. rfm: (prior) an rfm
  # Result whose scores the rules may read.
  class Strategy < Handle
    TYPES = { 1 => Integer, 2 => Float, 3 => String }.freeze

    attr_reader :values

    def initialize(name, progress: nil, segments: nil, rules: nil, rfm: nil, **options)
      super()
      out = FFI::MemoryPointer.new(:pointer)
      rc = Native.custseg_strategy_new(out, Convert.cstr(name, "strategy name"))
      raise Custseg.error_for(rc, rc == -5 ? "no strategy named #{name.inspect}" : "") unless rc.zero?

      own(out.read_pointer, :custseg_strategy_free)
      p = ptr
      @types = (0...Native.custseg_strategy_option_count(p)).to_h do |i|
        [Native.custseg_strategy_option_name(p, i),
         TYPES.fetch(Native.custseg_strategy_option_type(p, i), String)]
      end
      @values = {}
      set(**options)
      add_segments(segments) if segments
      add_rules(rules) if rules
      self.rfm = rfm if rfm
      self.progress = progress if progress
    end

    def name
      Native.custseg_strategy_name(ptr)
    end

    def errmsg
      Native.custseg_strategy_errmsg(ptr)
    end

    def error_line
      return nil unless Native.has?(:custseg_strategy_error_line)

      v = Native.custseg_strategy_error_line(ptr)
      v.negative? ? nil : v
    end

    def error_column
      return nil unless Native.has?(:custseg_strategy_error_column)

      v = Native.custseg_strategy_error_column(ptr)
      v.negative? ? nil : v
    end

    # {option name => Integer, Float or String}
    def options
      @types.dup
    end

    def set(**options)
      options.each { |k, v| self[k] = v }
      self
    end

    # Set an option through the setter of its declared type. Dates and
    # times are given as ISO 8601 text.
    def []=(name, value)
      key = Convert.cstr(name, "option name")
      type = @types[key] || case value
                            when Float then Float
                            when Integer then Integer
                            else String
                            end
      if type == Integer
        raise TypeError, "option #{name} takes an Integer" unless value.is_a?(Integer)

        call(:custseg_strategy_set_int, ptr, key, value)
      elsif type == Float
        call(:custseg_strategy_set_double, ptr, key, Float(value))
      else
        text = value.respond_to?(:iso8601) ? value.iso8601 : value
        raise TypeError, "option #{name} takes a String" unless text.is_a?(String)

        call(:custseg_strategy_set_string, ptr, key, Convert.cstr(text))
      end
      @values[key.to_sym] = value
    end

    def set_int(name, value)
      call(:custseg_strategy_set_int, ptr, Convert.cstr(name), value)
    end

    def set_double(name, value)
      call(:custseg_strategy_set_double, ptr, Convert.cstr(name), value)
    end

    def set_string(name, value)
      call(:custseg_strategy_set_string, ptr, Convert.cstr(name), Convert.cstr(value))
    end

    # Append a segment (first match wins): r:, f:, m: as an Integer, a Range
    # or [min, max] (nil: any score), or codes: "555 554" / ["555", [5,4,4]].
    def add_segment(name, r: nil, f: nil, m: nil, codes: nil)
      if codes
        call(:custseg_strategy_add_segment_codes, ptr, Convert.cstr(name), codes_text(codes))
      else
        call(:custseg_strategy_add_segment_range, ptr, Convert.cstr(name),
             *bounds(r), *bounds(f), *bounds(m))
      end
      self
    end

    def add_segments(segments)
      return load_segments(segments) if segments.is_a?(String)

      segments.each do |name, spec|
        spec.is_a?(Hash) ? add_segment(name, **spec) : add_segment(name, codes: spec)
      end
      self
    end

    def load_segments(path)
      call(:custseg_strategy_load_segments, ptr, Convert.cstr(path.to_s, "path"))
      self
    end

    def load_segments_buffer(data, name: nil)
      call(:custseg_strategy_load_segments_buffer, ptr, Convert.bytes(data.b),
           data.bytesize, name&.to_s)
      self
    end

    def clear_segments
      Native.custseg_strategy_clear_segments(ptr)
      self
    end

    # prior: append a rule (custseg-rules(7)). ParseError carries the line
    # and column.
    def add_rule(segment, expression)
      call(:custseg_strategy_add_rule, ptr, Convert.cstr(segment), Convert.cstr(expression))
      self
    end

    def add_rules(rules)
      return load_rules(rules) if rules.is_a?(String)

      rules.each { |segment, expression| add_rule(segment, expression) }
      self
    end

    def load_rules(path)
      call(:custseg_strategy_load_rules, ptr, Convert.cstr(path.to_s, "path"))
      self
    end

    def load_rules_buffer(data, name: nil)
      call(:custseg_strategy_load_rules_buffer, ptr, Convert.bytes(data.b),
           data.bytesize, name&.to_s)
      self
    end

    # prior: the scores and segments of an rfm Result (copied); nil removes.
    def rfm=(result)
      call(:custseg_strategy_set_rfm, ptr, result&.to_ptr)
    end

    attr_reader :progress

    # A callable (fraction) called during runs; :cancel cancels, raising
    # cancels and propagates.
    def progress=(callable)
      install_progress(:custseg_strategy_set_progress, callable)
    end

    def on_progress(&block)
      self.progress = block
    end

    # Segment the customers of dataset (freezing it). With a block, yield
    # the Result, close it afterwards and return the block's value.
    def run(dataset)
      raise TypeError, "run needs a Custseg::Dataset" unless dataset.is_a?(Dataset)

      out = FFI::MemoryPointer.new(:pointer)
      Thread.current[:custseg_assign_exc] = nil
      begin
        call(:custseg_run, out, ptr, dataset.to_ptr)
      rescue Error => e
        exc = Thread.current[:custseg_assign_exc]
        Thread.current[:custseg_assign_exc] = nil
        raise exc, cause: e if exc

        raise
      end
      dataset.data_frozen = true
      result = Result.new(out.read_pointer, @values)
      return result unless block_given?

      begin
        yield result
      ensure
        result.close
      end
    end

    def inspect
      return "#<Custseg::Strategy closed>" if closed?

      "#<Custseg::Strategy #{name} #{@values}>"
    end

    private

    def errmsg_for_error
      errmsg
    end

    def error(rc)
      Custseg.error_for(rc, errmsg, line: error_line, column: error_column)
    end

    def bounds(range)
      case range
      when nil then [1, 10]
      when Integer then [range, range]
      when Range then [range.begin, range.exclude_end? ? range.end - 1 : range.end]
      else range.to_a.first(2).map { |x| Integer(x) }
      end
    end

    def codes_text(codes)
      return codes if codes.is_a?(String)

      codes.map do |c|
        next c.to_s unless c.is_a?(Array)

        c.any? { |x| x > 9 } ? c.join("-") : c.join
      end.join(" ")
    end
  end

  # Run a strategy (a name or a Strategy) on a dataset:
  #   Custseg.run("rfm", ds, bins: 5, binning: "quantile", as_of: "2006-12-31")
  # With a block, yield the Result and close it afterwards.
  def self.run(strategy, dataset, **options, &block)
    if strategy.is_a?(Strategy)
      extra = options.slice(:segments, :rules, :rfm, :progress)
      opts = options.reject { |k, _| extra.key?(k) }
      strategy.set(**opts)
      strategy.add_segments(extra[:segments]) if extra[:segments]
      strategy.add_rules(extra[:rules]) if extra[:rules]
      strategy.rfm = extra[:rfm] if extra[:rfm]
      strategy.progress = extra[:progress] if extra[:progress]
      return strategy.run(dataset, &block)
    end
    Strategy.open(strategy, **options) { |s| s.run(dataset, &block) }
  end
end
