# frozen_string_literal: true

# Run every test_*.rb of this directory in one process:
#   CUSTSEG_LIBRARY=build/libcustseg.so.1 ruby bindings/ruby/test/run.rb
# Minitest prints "N runs, A assertions, F failures, E errors, S skips".
require "stringio"
Dir.glob(File.join(__dir__, "test_*.rb")).sort.each { |f| require f }
