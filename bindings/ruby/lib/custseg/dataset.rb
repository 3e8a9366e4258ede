# frozen_string_literal: true

module Custseg
  # What the last load did: every data row accepted or rejected for one
  # reason; rejected maps reason names to counts, lines to the first lines.
  LoadReport = Struct.new(:read, :accepted, :rejected, :lines) do
    def total_rejected
      rejected.values.sum
    end

    def to_s
      parts = rejected.select { |_, n| n.positive? }
                      .map { |k, n| "#{k}: #{n} (lines #{lines[k].join(', ')})" }
      "#{read} rows read, #{accepted} accepted" +
        (parts.empty? ? "" : ", rejected #{parts.join('; ')}")
    end
  end

  # Reject reason names, by number ("missing customer", ...).
  REJECT_REASONS = begin
    unknown = Native.custseg_reject_reason_name(-1)
    (0..255).map { |i| Native.custseg_reject_reason_name(i) }
            .take_while { |n| n != unknown }.freeze
  end

  # Customers and their transactions (or customer summaries), filled then
  # frozen. Loading options are keywords: header, delimiter, drop_returns,
  # threads.
  #
  #   Custseg::Dataset.open do |ds|
  #     ds.add("alice", "A1", "2024-01-05", "49.99")
  #     Custseg.run("rfm", ds).each { |row| p row }
  #   end
  class Dataset < Handle
    def initialize(progress: nil, **options)
      super()
      out = FFI::MemoryPointer.new(:pointer)
      rc = Native.custseg_dataset_new(out)
      raise Custseg.error_for(rc) unless rc.zero?

      own(out.read_pointer, :custseg_dataset_free)
      @data_frozen = false
      set(**options) unless options.empty?
      self.progress = progress if progress
    end

    # A dataset loaded from a CSV path or IO, with columns mapping roles to
    # columns; with a block, yielded and closed afterwards.
    def self.from_csv(source, columns: nil, **options, &block)
      filled(new(**options), block) do |ds|
        ds.map(columns) if columns
        ds.load_csv(source)
      end
    end

    # A dataset of transactions from rows (see #add_rows).
    def self.from_rows(rows, **options, &block)
      filled(new(**options), block) { |ds| ds.add_rows(rows) }
    end

    def self.filled(ds, block)
      begin
        yield ds
      rescue Exception # rubocop:disable Lint/RescueException
        ds.close
        raise
      end
      return ds unless block

      begin
        block.call(ds)
      ensure
        ds.close
      end
    end
    private_class_method :filled

    def errmsg
      Native.custseg_dataset_errmsg(ptr)
    end

    def error_line
      v = Native.custseg_dataset_error_line(ptr)
      v.negative? ? nil : v
    end

    def error_column
      v = Native.custseg_dataset_error_column(ptr)
      v.negative? ? nil : v
    end

    # Loading options: Integer/true/false with custseg_dataset_set_int,
    # String with custseg_dataset_set_string.
    def set(**options)
      options.each do |name, value|
        key = Convert.cstr(name, "option name")
        case value
        when true, false then call(:custseg_dataset_set_int, ptr, key, value ? 1 : 0)
        when Integer then call(:custseg_dataset_set_int, ptr, key, value)
        when String then call(:custseg_dataset_set_string, ptr, key, Convert.cstr(value))
        else raise TypeError, "option #{name}: expected Integer, boolean or String"
        end
      end
      self
    end

    # Map roles to CSV columns (header names, or 1-based positions with
    # header: false); nil removes a mapping.
    def map(columns = {}, **roles)
      columns.merge(roles).each do |role, column|
        call(:custseg_dataset_map_column, ptr, Convert.cstr(role, "role"),
             column&.to_s)
      end
      self
    end

    attr_reader :progress

    # A callable (fraction) called during loads; returning :cancel cancels
    # (CanceledError), raising cancels and the exception propagates.
    def progress=(callable)
      install_progress(:custseg_dataset_set_progress, callable)
    end

    def on_progress(&block)
      self.progress = block
    end

    # Load CSV from a path, or from an IO (a File, a StringIO) read whole.
    def load_csv(source, name: nil)
      if source.respond_to?(:read)
        name ||= source.respond_to?(:path) ? source.path : nil
        return load_csv_buffer(source.read, name: name)
      end
      call(:custseg_dataset_load_csv, ptr, Convert.cstr(source.to_s, "path"))
      report
    end

    # Load CSV text held in a String.
    def load_csv_buffer(data, name: nil)
      mem = Convert.bytes(data.b)
      call(:custseg_dataset_load_csv_buffer, ptr, mem, data.bytesize, name&.to_s)
      report
    end

    def report
      p = ptr
      rejected = {}
      lines = {}
      REJECT_REASONS.each_with_index do |reason, i|
        rejected[reason] = Native.custseg_dataset_rows_rejected(p, i)
        lines[reason] = (0...5).map { |k| Native.custseg_dataset_reject_line(p, i, k) }
                               .reject(&:negative?)
      end
      LoadReport.new(Native.custseg_dataset_rows_read(p),
                     Native.custseg_dataset_rows_accepted(p), rejected, lines)
    end

    # Add one transaction; order nil makes the row an order of its own.
    def add(customer, order, time, amount, category = nil)
      call(:custseg_dataset_add_transaction, ptr, Convert.cstr(customer, "customer id"),
           order && Convert.cstr(order, "order id"), Convert.seconds(time),
           Convert.e4(amount), category && Convert.cstr(category, "category"))
      self
    end

    # Add rows: arrays [customer, order, time, amount(, category)] or hashes
    # with those keys. Rows without category, with all or no orders, go in
    # one bulk call (all or none are added).
    def add_rows(rows)
      cols = { customer: [], order: [], time: [], amount: [], category: [] }
      rows.each do |row|
        row = row.to_h.transform_keys(&:to_sym) if row.respond_to?(:each_pair)
        values = row.is_a?(Hash) ? row.values_at(*cols.keys) : row.to_a
        cols.each_key.with_index { |k, i| cols[k] << values[i] }
      end
      return self if cols[:customer].empty?

      orders = cols[:order]
      if cols[:category].all?(&:nil?) && (orders.all?(&:nil?) || orders.none?(&:nil?))
        return add_columns(customer: cols[:customer], time: cols[:time],
                           amount: cols[:amount],
                           order: orders.all?(&:nil?) ? nil : orders)
      end
      cols.values.transpose.each { |row| add(*row) }
      self
    end

    def <<(row)
      add_rows([row])
    end

    # Add n transactions in one bulk call, column by column (Arrays of one
    # length). Integer ids for both columns use the keys call. amount is in
    # currency units (Floats are rounded by the library, half to even);
    # amount_fixed in ten-thousandths. All rows or none; errors name the row.
    def add_columns(customer:, time:, order: nil, amount: nil, amount_fixed: nil)
      raise ArgumentError, "give exactly one of amount: and amount_fixed:" \
        if amount.nil? == amount_fixed.nil?

      n = customer.size
      { order: order, time: time, amount: amount, amount_fixed: amount_fixed }.each do |k, col|
        raise ArgumentError, "column #{k} has #{col.size} rows, customer has #{n}" \
          if col && col.size != n
      end
      return self if n.zero?

      times = Convert.int64s(time.map { |t| Convert.seconds(t) })
      e4 = dbl = nil
      if amount_fixed
        e4 = Convert.int64s(amount_fixed.map { |v| Integer(v) })
      elsif amount.all? { |v| v.is_a?(Float) }
        dbl = Convert.doubles(amount)
      else
        e4 = Convert.int64s(amount.map { |v| Convert.e4(v) })
      end
      if Convert.integers?(customer) && (order.nil? || Convert.integers?(order))
        call(:custseg_dataset_add_columns_keys, ptr, n, Convert.int64s(customer),
             Convert.int64s(order), times, e4, dbl)
      else
        cb, co = Convert.packed(customer, "customer")
        ob, oo = order ? Convert.packed(order, "order") : [nil, nil]
        call(:custseg_dataset_add_columns, ptr, n, cb, co, ob, oo, times, e4, dbl)
      end
      self
    end

    # Add one pre-aggregated customer: recency days, frequency, monetary
    # (currency units).
    def add_customer(customer, recency, frequency, monetary)
      call(:custseg_dataset_add_customer, ptr, Convert.cstr(customer, "customer id"),
           Integer(recency), Integer(frequency), Convert.e4(monetary))
      self
    end

    def add_customers(rows)
      rows.each do |r|
        r.is_a?(Hash) ? add_customer(*r.transform_keys(&:to_sym).values_at(:customer, :recency, :frequency, :monetary)) : add_customer(*r)
      end
      self
    end

    # Attributes: a number (Numeric) or a String; nil removes the value.
    def set_attribute(customer, name, value)
      c = Convert.cstr(customer, "customer id")
      n = Convert.cstr(name, "attribute name")
      case value
      when nil
        if attributes[name.to_s] == String
          call(:custseg_dataset_set_attribute_string, ptr, c, n, nil)
        else
          call(:custseg_dataset_set_attribute_number, ptr, c, n, Float::NAN)
        end
      when String then call(:custseg_dataset_set_attribute_string, ptr, c, n, Convert.cstr(value))
      when Numeric then call(:custseg_dataset_set_attribute_number, ptr, c, n, value.to_f)
      else raise TypeError, "attribute #{name}: expected Numeric or String"
      end
      self
    end

    # Set attribute name of many customers in one bulk call.
    def set_attributes(name, customers, values)
      raise ArgumentError, "#{customers.size} customers but #{values.size} values" \
        unless customers.size == values.size
      return self if customers.empty?

      cb, co = Convert.packed(customers, "customer")
      if values.all? { |v| v.nil? || v.is_a?(Numeric) }
        call(:custseg_dataset_set_attributes_number, ptr, Convert.cstr(name), customers.size,
             cb, co, Convert.doubles(values.map { |v| v.nil? ? Float::NAN : v.to_f }))
      else
        vb, vo = Convert.packed(values.map { |v| v.nil? ? "" : v }, "value")
        call(:custseg_dataset_set_attributes_string, ptr, Convert.cstr(name), customers.size,
             cb, co, vb, vo)
      end
      self
    end

    # {name => Float or String}
    def attributes
      p = ptr
      (0...Native.custseg_dataset_attribute_count(p)).to_h do |i|
        [Native.custseg_dataset_attribute_name(p, i),
         Native.custseg_dataset_attribute_type(p, i) == 1 ? Float : String]
      end
    end

    def add_event(customer, name, time, value = nil)
      call(:custseg_dataset_add_event, ptr, Convert.cstr(customer, "customer id"),
           Convert.cstr(name, "event name"), Convert.seconds(time),
           value.nil? ? Float::NAN : value.to_f)
      self
    end

    # Add many events in one bulk call.
    def add_events(customer:, name:, time:, value: nil)
      n = customer.size
      raise ArgumentError, "columns differ in length" \
        unless name.size == n && time.size == n && (value.nil? || value.size == n)
      return self if n.zero?

      cb, co = Convert.packed(customer, "customer")
      nb, no = Convert.packed(name, "event name")
      call(:custseg_dataset_add_events, ptr, n, cb, co, nb, no,
           Convert.int64s(time.map { |t| Convert.seconds(t) }),
           value && Convert.doubles(value.map { |v| v.nil? ? Float::NAN : v.to_f }))
      self
    end

    def events
      Native.custseg_dataset_event_count(ptr)
    end

    # Load customer attributes from a path or IO; columns maps "id" and
    # attribute names to CSV columns, or is the C map text "id=...,x=...".
    def load_customers_csv(source, columns, name: nil)
      load_map(source, columns, name, :custseg_dataset_load_customers_csv,
               :custseg_dataset_load_customers_csv_buffer)
    end

    # Load events; columns maps customer, name, time (and value).
    def load_events_csv(source, columns, name: nil)
      load_map(source, columns, name, :custseg_dataset_load_events_csv,
               :custseg_dataset_load_events_csv_buffer)
    end

    # Make the dataset read-only and compute its metrics (the first run
    # does it otherwise). Raises NoDataError when empty.
    def freeze!
      call(:custseg_dataset_freeze, ptr)
      @data_frozen = true
      self
    end

    def data_frozen?
      @data_frozen
    end

    attr_writer :data_frozen # :nodoc:

    def customers
      Native.custseg_dataset_customer_count(ptr)
    end

    def transactions
      Native.custseg_dataset_transaction_count(ptr)
    end

    def memory_bytes
      Native.custseg_dataset_memory_bytes(ptr)
    end

    def inspect
      return "#<Custseg::Dataset closed>" if closed?

      "#<Custseg::Dataset #{customers} customers, #{transactions} transactions>"
    end

    private

    def errmsg_for_error
      errmsg
    end

    def error(rc)
      Custseg.error_for(rc, errmsg, line: error_line, column: error_column)
    end

    def load_map(source, columns, name, from_path, from_buffer)
      map = columns.is_a?(String) ? columns : columns.map { |k, v| "#{k}=#{v}" }.join(",")
      if source.respond_to?(:read)
        data = source.read
        mem = Convert.bytes(data.b)
        call(from_buffer, ptr, mem, data.bytesize, name&.to_s, map)
      else
        call(from_path, ptr, Convert.cstr(source.to_s, "path"), map)
      end
      report
    end
  end
end
