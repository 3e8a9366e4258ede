# frozen_string_literal: true

module Custseg
  # Base of every libcustseg error: #status (the negative CUSTSEG_E* code),
  # #code (its name), and for input errors #line and #column (or nil). The
  # message is the failing handle's detailed message.
  class Error < StandardError
    STATUS = 0
    CODES = {
      -1 => "CUSTSEG_ENOMEM", -2 => "CUSTSEG_EINVAL", -3 => "CUSTSEG_EIO",
      -4 => "CUSTSEG_EPARSE", -5 => "CUSTSEG_ENOTFOUND",
      -6 => "CUSTSEG_EMISUSE", -7 => "CUSTSEG_ERANGE",
      -8 => "CUSTSEG_ECANCELED", -9 => "CUSTSEG_ENODATA",
      -10 => "CUSTSEG_ELIMIT", -11 => "CUSTSEG_ECALLBACK"
    }.freeze

    attr_reader :status, :line, :column

    def initialize(message = nil, status = nil, line: nil, column: nil)
      super(message)
      @status = status || self.class::STATUS
      @line = line
      @column = column
    end

    def code
      CODES.fetch(status, status.to_s)
    end
  end

  # CUSTSEG_ENOMEM
  class OutOfMemoryError < Error; STATUS = -1; end
  # CUSTSEG_EINVAL
  class InvalidArgumentError < Error; STATUS = -2; end
  # CUSTSEG_EIO
  class FileError < Error; STATUS = -3; end
  # CUSTSEG_EPARSE
  class ParseError < Error; STATUS = -4; end
  # CUSTSEG_ENOTFOUND
  class NotFoundError < Error; STATUS = -5; end
  # CUSTSEG_EMISUSE (also: a closed handle)
  class MisuseError < Error; STATUS = -6; end
  # CUSTSEG_ERANGE
  class RangeError < Error; STATUS = -7; end
  # CUSTSEG_ECANCELED
  class CanceledError < Error; STATUS = -8; end
  # CUSTSEG_ENODATA
  class NoDataError < Error; STATUS = -9; end
  # CUSTSEG_ELIMIT
  class LimitError < Error; STATUS = -10; end
  # CUSTSEG_ECALLBACK
  class CallbackError < Error; STATUS = -11; end

  ERRORS = [OutOfMemoryError, InvalidArgumentError, FileError, ParseError,
            NotFoundError, MisuseError, RangeError, CanceledError,
            NoDataError, LimitError, CallbackError]
           .to_h { |c| [c::STATUS, c] }.freeze

  # The exception for a status code, with a message (custseg_strerror()
  # when the message is empty).
  def self.error_for(status, message = "", line: nil, column: nil)
    message = Native.custseg_strerror(status) if message.nil? || message.empty?
    ERRORS.fetch(status, Error).new(message, status, line: line,
                                                     column: column)
  end
end
