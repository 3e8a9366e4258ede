# frozen_string_literal: true

module Custseg
  # Owns one C handle: freed by #close, at the end of an .open block, or by
  # the garbage collector (FFI::AutoPointer), so nothing leaks. Closing twice
  # is fine; using a closed handle raises MisuseError.
  class Handle
    # Create a handle; with a block, yield it and close it afterwards,
    # returning the block's value.
    def self.open(*args, **kw)
      handle = new(*args, **kw)
      return handle unless block_given?

      begin
        yield handle
      ensure
        handle.close
      end
    end

    def close
      @ptr&.free
      @ptr = nil
    end

    def closed?
      @ptr.nil?
    end

    # The C pointer (for callers of Custseg::Native).
    def to_ptr
      ptr
    end

    private

    def kind
      self.class.name.split("::").last.downcase
    end

    def own(raw, free)
      @ptr = FFI::AutoPointer.new(raw, Native.method(free))
      @cb_exc = nil
    end

    def ptr
      raise MisuseError.new("the #{kind} is closed", -6) unless @ptr

      @ptr
    end

    def errmsg_for_error
      ""
    end

    def error(rc)
      Custseg.error_for(rc, errmsg_for_error)
    end

    # Call a Native function; a negative status raises. An exception raised
    # by a Ruby callback during the call is raised again, with the library's
    # error as its cause.
    def call(name, *args)
      @cb_exc = nil
      rc = Native.public_send(name, *args)
      return rc unless rc.is_a?(Integer) && rc.negative?

      exc = @cb_exc
      @cb_exc = nil
      err = error(rc)
      raise err unless exc

      raise exc, cause: err
    end

    def install_progress(setter, callable)
      if callable.nil?
        Native.public_send(setter, ptr, nil, nil)
        @progress = @progress_fn = nil
        return
      end
      raise TypeError, "progress must respond to call" unless callable.respond_to?(:call)

      me = self
      fn = FFI::Function.new(:int, %i[double pointer]) do |fraction, _|
        callable.call(fraction) == :cancel ? 1 : 0
      rescue Exception => e # rubocop:disable Lint/RescueException
        me.instance_variable_set(:@cb_exc, e)
        1
      end
      Native.public_send(setter, ptr, fn, nil)
      @progress = callable
      @progress_fn = fn
    end
  end
end
