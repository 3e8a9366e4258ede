# frozen_string_literal: true

require "ffi"

module Custseg
  # The C functions of custseg.h, attached with the ffi gem. The library is
  # searched, in order: CUSTSEG_LIBRARY (a file, or a directory holding
  # libcustseg.so.1; nothing else is tried when it is set), the installed
  # library (the loader's search path, then /usr/local/lib and /usr/lib),
  # and the build tree (<repo>/build). Functions an older library lacks are
  # listed in MISSING and raise NotImplementedError when called.
  module Native
    extend FFI::Library

    SONAME = "libcustseg.so.1"

    def self.candidates
      env = ENV["CUSTSEG_LIBRARY"]
      if env && !env.empty?
        return [File.directory?(env) ? File.join(env, SONAME) : env]
      end
      root = File.expand_path("../../../..", __dir__)
      [SONAME, "/usr/local/lib/#{SONAME}", "/usr/lib/#{SONAME}",
       File.join(root, "build", SONAME)]
    end

    begin
      ffi_lib candidates
    rescue LoadError => e
      raise LoadError, "custseg: cannot load libcustseg (set CUSTSEG_LIBRARY " \
                       "to its path): #{e.message}"
    end
    PATH = ffi_libraries.first.name

    callback :progress_fn, %i[double pointer], :int
    callback :write_fn, %i[pointer size_t pointer], :int
    callback :assign_fn, %i[pointer pointer], :int
    callback :destroy_fn, [:pointer], :void
    callback :alloc_fn, %i[pointer size_t], :pointer
    callback :realloc_fn, %i[pointer pointer size_t], :pointer
    callback :free_fn, %i[pointer pointer], :void

    # struct custseg_allocator
    class Allocator < FFI::Struct
      layout :version, :uint, :alloc, :alloc_fn, :realloc, :realloc_fn,
             :free, :free_fn, :payload, :pointer
    end

    # struct custseg_strategy_ops (version 1)
    class StrategyOps < FFI::Struct
      layout :version, :uint, :name, :pointer, :assign, :assign_fn,
             :destroy, :destroy_fn, :payload, :pointer
    end

    P = :pointer
    S = :string
    # name => [arguments, return type, blocking] for every CUSTSEG_API
    # function. Blocking calls release the GVL (long loads and runs).
    FUNCTIONS = {
      custseg_version: [[], :uint],
      custseg_version_string: [[], S],
      custseg_strerror: [[:int], S],
      custseg_set_allocator: [[P], :int],
      custseg_dataset_new: [[P], :int],
      custseg_dataset_free: [[P], :void],
      custseg_dataset_errmsg: [[P], S],
      custseg_dataset_error_line: [[P], :int64],
      custseg_dataset_error_column: [[P], :int64],
      custseg_dataset_set_int: [[P, S, :int64], :int],
      custseg_dataset_set_string: [[P, S, S], :int],
      custseg_dataset_map_column: [[P, S, S], :int],
      custseg_dataset_set_progress: [[P, :progress_fn, P], :void],
      custseg_dataset_load_csv: [[P, S], :int, true],
      custseg_dataset_load_csv_buffer: [[P, P, :size_t, S], :int, true],
      custseg_dataset_rows_read: [[P], :int64],
      custseg_dataset_rows_accepted: [[P], :int64],
      custseg_dataset_rows_rejected: [[P, :int], :int64],
      custseg_dataset_reject_line: [[P, :int, :int], :int64],
      custseg_reject_reason_name: [[:int], S],
      custseg_dataset_add_transaction: [[P, S, S, :int64, :int64, S], :int],
      custseg_dataset_add_columns: [[P, :size_t, P, P, P, P, P, P, P], :int,
                                    true],
      custseg_dataset_add_columns_keys: [[P, :size_t, P, P, P, P, P], :int,
                                         true],
      custseg_dataset_add_customer: [[P, S, :int64, :int64, :int64], :int],
      custseg_dataset_freeze: [[P], :int, true],
      custseg_dataset_customer_count: [[P], :size_t],
      custseg_dataset_transaction_count: [[P], :size_t],
      custseg_dataset_memory_bytes: [[P], :size_t],
      custseg_dataset_set_attribute_number: [[P, S, S, :double], :int],
      custseg_dataset_set_attribute_string: [[P, S, S, S], :int],
      custseg_dataset_set_attributes_number: [[P, S, :size_t, P, P, P], :int],
      custseg_dataset_set_attributes_string: [[P, S, :size_t, P, P, P, P],
                                              :int],
      custseg_dataset_add_event: [[P, S, S, :int64, :double], :int],
      custseg_dataset_add_events: [[P, :size_t, P, P, P, P, P, P], :int],
      custseg_dataset_load_customers_csv: [[P, S, S], :int, true],
      custseg_dataset_load_customers_csv_buffer: [[P, P, :size_t, S, S], :int,
                                                  true],
      custseg_dataset_load_events_csv: [[P, S, S], :int, true],
      custseg_dataset_load_events_csv_buffer: [[P, P, :size_t, S, S], :int,
                                               true],
      custseg_dataset_attribute_count: [[P], :size_t],
      custseg_dataset_attribute_name: [[P, :size_t], S],
      custseg_dataset_attribute_type: [[P, :size_t], :int],
      custseg_dataset_event_count: [[P], :size_t],
      custseg_strategy_new: [[P, S], :int],
      custseg_strategy_free: [[P], :void],
      custseg_strategy_name: [[P], S],
      custseg_strategy_errmsg: [[P], S],
      custseg_strategy_error_line: [[P], :int64],
      custseg_strategy_error_column: [[P], :int64],
      custseg_strategy_set_int: [[P, S, :int64], :int],
      custseg_strategy_set_double: [[P, S, :double], :int],
      custseg_strategy_set_string: [[P, S, S], :int],
      custseg_strategy_option_count: [[P], :size_t],
      custseg_strategy_option_name: [[P, :size_t], S],
      custseg_strategy_option_type: [[P, :size_t], :int],
      custseg_strategy_add_segment_range: [[P, S] + [:int] * 6, :int],
      custseg_strategy_add_segment_codes: [[P, S, S], :int],
      custseg_strategy_load_segments: [[P, S], :int],
      custseg_strategy_load_segments_buffer: [[P, P, :size_t, S], :int],
      custseg_strategy_clear_segments: [[P], :void],
      custseg_strategy_set_progress: [[P, :progress_fn, P], :void],
      custseg_strategy_add_rule: [[P, S, S], :int],
      custseg_strategy_load_rules: [[P, S], :int],
      custseg_strategy_load_rules_buffer: [[P, P, :size_t, S], :int],
      custseg_strategy_set_rfm: [[P, P], :int],
      custseg_run: [[P, P, P], :int, true],
      custseg_result_free: [[P], :void],
      custseg_result_errmsg: [[P], S],
      custseg_result_strategy: [[P], S],
      custseg_result_segment_count: [[P], :size_t],
      custseg_result_segment_at: [[P, P, :size_t], :int],
      custseg_segment_name: [[P], S],
      custseg_segment_index: [[P], :size_t],
      custseg_segment_count: [[P], :int64],
      custseg_segment_revenue: [[P], :int64],
      custseg_segment_stat: [[P, :int], :double],
      custseg_result_iter_new: [[P, P], :int],
      custseg_iter_next: [[P, P], :int],
      custseg_iter_reset: [[P], :void],
      custseg_iter_free: [[P], :void],
      custseg_member_iter_new: [[P, P, P], :int],
      custseg_member_iter_next: [[P, P], :int],
      custseg_member_iter_free: [[P], :void],
      custseg_result_customer_count: [[P], :size_t],
      custseg_result_customer_id: [[P, :size_t], S],
      custseg_result_find: [[P, P, S], :int],
      custseg_result_customer_segment: [[P, :size_t], :size_t],
      custseg_result_customer_field: [[P, P, :size_t, :int], :int],
      custseg_result_customer_score: [[P, :size_t], :double],
      custseg_result_threshold: [[P, P, P, :int, :int], :int],
      custseg_result_bins: [[P], :int],
      custseg_result_write: [[P, :int, :int, :write_fn, P], :int],
      custseg_result_write_file: [[P, :int, :int, S], :int, true],
      custseg_register_strategy: [[P], :int],
      custseg_unregister_strategy: [[S], :int],
      custseg_assign_customer_count: [[P], :size_t],
      custseg_assign_customer_id: [[P, :size_t], S],
      custseg_assign_metric: [[P, P, :size_t, :int], :int],
      custseg_assign_metric_range: [[P, P, :int, :size_t, :size_t], :int],
      custseg_assign_attribute_number: [[P, P, :size_t, S], :int],
      custseg_assign_attribute_string: [[P, P, :size_t, S], :int],
      custseg_assign_define_segment: [[P, P, S], :int],
      custseg_assign_set: [[P, :size_t, :size_t, :double], :int],
      custseg_assign_set_range: [[P, :size_t, :size_t, P, P], :int],
      custseg_assign_error: [[P, S], :int],
      custseg_parse_time: [[P, S], :int],
      custseg_parse_amount: [[P, S], :int]
    }.freeze

    # Strings the library returns are UTF-8 (ids, names, messages).
    module UTF8String
      extend FFI::DataConverter
      native_type FFI::Type::STRING

      def self.to_native(value, _ctx) = value

      def self.from_native(value, _ctx) = value&.dup&.force_encoding(Encoding::UTF_8)
    end
    typedef UTF8String, :utf8

    MISSING = []
    FUNCTIONS.each do |name, (args, ret, blocking)|
      begin
        attach_function name, args, ret == S ? :utf8 : ret, blocking: blocking ? true : false
      rescue FFI::NotFoundError
        MISSING << name
        define_singleton_method(name) do |*|
          raise NotImplementedError, "#{name} is not in #{PATH}"
        end
      end
    end

    def self.has?(name)
      !MISSING.include?(name.to_sym)
    end

    raise LoadError, "custseg: #{PATH} is not libcustseg 1.x" \
      unless custseg_version / 10_000 == 1
  end
end
