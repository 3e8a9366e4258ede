# frozen_string_literal: true

require "csv"

module Custseg
  STATS = %i[count share revenue revenue_share score_mean score_sd score_min
             score_max cum_revenue_share lift cum_lift].freeze
  FIELDS = %i[recency frequency monetary r f m decile value].freeze
  FORMATS = { csv: 0, json: 1, table: 2, segments_csv: 3 }.freeze
  VARIABLES = %i[recency frequency monetary].freeze

  # One segment of a result (it keeps the result alive).
  class Segment
    attr_reader :result

    def initialize(result, seg)
      @result = result
      @seg = seg
    end

    def name = Native.custseg_segment_name(s)
    def index = Native.custseg_segment_index(s)
    def count = Native.custseg_segment_count(s)
    alias size count

    # Sum of the members' monetary values, exact.
    def revenue = Convert.money(Native.custseg_segment_revenue(s))

    # One statistic by name (see STATS) or number.
    def stat(name)
      Native.custseg_segment_stat(s, name.is_a?(Integer) ? name : STATS.index(name.to_sym))
    end

    def share = stat(:share)
    def revenue_share = stat(:revenue_share)

    # {count:, share:, revenue:, revenue_share:, score_mean:, ...}
    def stats
      STATS.each_with_index.to_h { |k, i| [k, Native.custseg_segment_stat(s, i)] }
    end

    # Yield the result rows (indexes) of the members (custseg_member_iter).
    def each_member_row
      return enum_for(:each_member_row) unless block_given?

      out = FFI::MemoryPointer.new(:pointer)
      rc = Native.custseg_member_iter_new(out, @result.to_ptr, s)
      raise Custseg.error_for(rc) unless rc.zero?

      it = out.read_pointer
      row = FFI::MemoryPointer.new(:size_t)
      begin
        yield row.read(:size_t) while Native.custseg_member_iter_next(row, it).zero?
      ensure
        Native.custseg_member_iter_free(it)
      end
      self
    end

    # Yield the members' customer ids, in byte order.
    def each_member
      return enum_for(:each_member) unless block_given?

      each_member_row { |i| yield @result.customer_id(i) }
    end

    def members = each_member.to_a

    # The members' customer rows.
    def rows = each_member_row.map { |i| @result.row(i) }

    def ==(other) = other.is_a?(Segment) && other.address == address
    alias eql? ==
    def hash = address.hash

    def inspect
      format("#<Custseg::Segment %p count=%d share=%.4f revenue=%s>", name, count, share,
             revenue.to_s("F"))
    end

    protected

    def address = @seg.address

    private

    def s
      @result.to_ptr # raises when the result is closed
      @seg
    end
  end

  # An external iterator over the segments of a result.
  class SegmentIterator
    include Enumerable

    def initialize(result)
      @result = result
      out = FFI::MemoryPointer.new(:pointer)
      rc = Native.custseg_result_iter_new(out, result.to_ptr)
      raise Custseg.error_for(rc) unless rc.zero?

      @it = FFI::AutoPointer.new(out.read_pointer, Native.method(:custseg_iter_free))
      @seg = FFI::MemoryPointer.new(:pointer)
    end

    def next
      raise StopIteration, "iteration reached an end" unless Native.custseg_iter_next(@seg, it).zero?

      Segment.new(@result, @seg.read_pointer)
    end

    def rewind
      Native.custseg_iter_reset(it)
      self
    end

    def each
      loop { yield self.next }
      self
    end

    def close
      @it&.free
      @it = nil
    end

    private

    def it
      @result.to_ptr
      @it or raise MisuseError.new("the iterator is closed", -6)
    end
  end

  # What a run produced; owns copies of everything and outlives the dataset
  # and strategy. Enumerable over customer rows (Structs with customer,
  # segment, the result's fields and score); #each_segment for segments.
  class Result < Handle
    include Enumerable

    attr_reader :options

    def initialize(raw, options = {})
      super()
      own(raw, :custseg_result_free)
      @options = options.dup
    end

    def errmsg = Native.custseg_result_errmsg(ptr)
    def strategy = Native.custseg_result_strategy(ptr)

    # Segments ------------------------------------------------------------
    def segment_count = Native.custseg_result_segment_count(ptr)

    # Yield every segment in order (custseg_iter).
    def each_segment
      return enum_for(:each_segment) { segment_count } unless block_given?

      out = FFI::MemoryPointer.new(:pointer)
      rc = Native.custseg_result_iter_new(out, ptr)
      raise Custseg.error_for(rc) unless rc.zero?

      it = out.read_pointer
      seg = FFI::MemoryPointer.new(:pointer)
      begin
        yield Segment.new(self, seg.read_pointer) while Native.custseg_iter_next(seg, it).zero?
      ensure
        Native.custseg_iter_free(it)
      end
      self
    end

    # An external iterator over the segments (custseg_iter): #next raises
    # StopIteration at the end, #rewind starts again, #close frees it (the
    # garbage collector does otherwise).
    def segment_iterator = SegmentIterator.new(self)

    def segments = each_segment.to_a
    def segment_names = @segment_names ||= segments.map(&:name)

    # A segment by index or name (nil when there is none).
    def segment(key)
      i = key.is_a?(Integer) ? key : segment_names.index(key.to_s)
      return nil if i.nil?

      i += segment_count if i.negative?
      out = FFI::MemoryPointer.new(:pointer)
      Native.custseg_result_segment_at(out, ptr, i).zero? ? Segment.new(self, out.read_pointer) : nil
    end

    # Customers -------------------------------------------------------------
    def customer_count = Native.custseg_result_customer_count(ptr)
    alias size customer_count
    alias length customer_count

    def customer_id(row)
      Native.custseg_result_customer_id(ptr, row) or raise IndexError, "row #{row} out of range"
    end

    # The fields this result has, e.g. [:recency, :frequency, :monetary, :r, :f, :m].
    def fields
      @fields ||= begin
        v = FFI::MemoryPointer.new(:int64)
        FIELDS.each_index.select do |f|
          customer_count.positive? && Native.custseg_result_customer_field(v, ptr, 0, f).zero?
        end
      end
      @fields.map { |f| FIELDS[f] }
    end

    # The Struct class of the rows.
    def row_class
      @row_class ||= Struct.new(:customer, :segment, *fields, :score)
    end

    # Customer row i (0 ... size, in byte order of id).
    def row(i)
      raise IndexError, "row #{i} out of range" unless i.between?(0, customer_count - 1)

      p = ptr
      fields
      v = FFI::MemoryPointer.new(:int64)
      vals = [customer_id(i), segment_names[Native.custseg_result_customer_segment(p, i)]]
      @fields.each do |f|
        Native.custseg_result_customer_field(v, p, i, f)
        vals << (money_field?(f) ? Convert.money(v.read_int64) : v.read_int64)
      end
      vals << Native.custseg_result_customer_score(p, i)
      row_class.new(*vals)
    end

    # Yield every customer row.
    def each
      return enum_for(:each) { customer_count } unless block_given?

      customer_count.times { |i| yield row(i) }
      self
    end

    # The row of a customer id, or nil.
    def [](customer)
      i = index_of(customer)
      i && row(i)
    end
    alias lookup []

    def index_of(customer)
      out = FFI::MemoryPointer.new(:size_t)
      Native.custseg_result_find(out, ptr, Convert.cstr(customer, "customer")).zero? ? out.read(:size_t) : nil
    end

    def customer?(customer) = !index_of(customer).nil?

    # Thresholds --------------------------------------------------------------
    def bins = Native.custseg_result_bins(ptr)

    # [lower, upper] of a score (nil for NaN).
    def threshold(variable, score)
      lo = FFI::MemoryPointer.new(:double)
      hi = FFI::MemoryPointer.new(:double)
      rc = Native.custseg_result_threshold(lo, hi, ptr, VARIABLES.index(variable.to_sym), score)
      raise Custseg.error_for(rc, "no threshold for #{variable} score #{score}") unless rc.zero?

      [lo.read_double, hi.read_double].map { |x| x.nan? ? nil : x }
    end

    # {recency: [[lower, upper], ...], frequency: ..., monetary: ...}; {} without bins.
    def thresholds
      n = bins
      return {} unless n.positive?

      VARIABLES.to_h { |v| [v, (1..n).map { |s| threshold(v, s) }] }
    end

    # Exports -----------------------------------------------------------------
    # Export as :csv, :json, :table or :segments_csv. dest nil returns a
    # String; a String path is written by the library; an IO is written to.
    def write(format = :csv, dest = nil, decimals: 2)
      fmt = format.is_a?(Integer) ? format : FORMATS.fetch(format.to_sym)
      if dest.is_a?(String)
        call(:custseg_result_write_file, ptr, fmt, decimals, dest)
        return nil
      end
      out = dest.nil? ? +"" : nil
      me = self
      fn = FFI::Function.new(:int, %i[pointer size_t pointer]) do |data, len, _|
        chunk = data.read_bytes(len).force_encoding(Encoding::UTF_8)
        out ? out << chunk : dest.write(chunk)
        0
      rescue Exception => e # rubocop:disable Lint/RescueException
        me.instance_variable_set(:@cb_exc, e)
        1
      end
      call(:custseg_result_write, ptr, fmt, decimals, fn, nil)
      out
    end

    def to_csv(dest = nil, decimals: 2) = write(:csv, dest, decimals: decimals)
    def to_json(dest = nil, decimals: 2) = write(:json, dest, decimals: decimals)
    def to_table(dest = nil, decimals: 2) = write(:table, dest, decimals: decimals)
    def to_segments_csv(dest = nil, decimals: 2) = write(:segments_csv, dest, decimals: decimals)

    def inspect
      return "#<Custseg::Result closed>" if closed?

      "#<Custseg::Result #{strategy} #{segment_count} segments, #{customer_count} customers>"
    end

    private

    def errmsg_for_error = errmsg

    def money_field?(field)
      return true if field == 2
      return false unless field == 7

      @value_is_money = value_is_money if @value_is_money.nil?
      @value_is_money
    end

    # Whether the ranked value is money or a count: read off the first row
    # of a CSV export stopped there (money always prints with decimals).
    def value_is_money
      text = +""
      rows = nil
      fn = FFI::Function.new(:int, %i[pointer size_t pointer]) do |data, len, _|
        text << data.read_bytes(len)
        rows = first_rows(text) if text.count("\n") >= 3
        rows ? 1 : 0
      end
      Native.custseg_result_write(ptr, FORMATS[:csv], 4, fn, nil)
      header, first = rows || first_rows(text) || []
      i = header&.index("value")
      !i.nil? && !first.nil? && first[i].to_s.include?(".")
    end

    def first_rows(text)
      csv = CSV.new(text.dup.force_encoding(Encoding::UTF_8))
      rows = [csv.shift, csv.shift]
      rows.all? ? rows : nil
    rescue CSV::MalformedCSVError
      nil
    end
  end
end
