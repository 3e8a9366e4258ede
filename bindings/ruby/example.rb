# frozen_string_literal: true

# example.rb - RFM segments of a few customers (examples/quickstart.c in Ruby).
#
#   ruby -Ibindings/ruby/lib bindings/ruby/example.rb
#   ruby ... example.rb orders.csv   (columns customer_id,order_id,order_time,amount)
$LOAD_PATH.unshift File.join(__dir__, "lib") # run from a checkout
require "custseg"

SALES = [ # customer, order, date, amount
  %w[alice A1 2024-01-05 49.99], %w[bob B1 2023-11-20 12],
  %w[alice A2 2024-06-01 25.00], %w[dave D1 2023-08-14 8],
  %w[carol C1 2024-05-30 99.00], %w[carol C2 2024-06-02 15]
].freeze
MAP = { customer: "customer_id", order: "order_id", time: "order_time", amount: "amount" }.freeze

begin
  Custseg::Dataset.open do |ds|
    if ARGV[0]
      ds.map(MAP).load_csv(ARGV[0])
    else
      SALES.each { |customer, order, date, amount| ds.add(customer, order, date, amount) }
    end
    Custseg.run("rfm", ds) do |result|
      result.each_segment do |seg|
        printf("%-20s %6d customers %5.1f%% revenue %10.2f\n", seg.name, seg.count,
               100 * seg.share, seg.stat(:revenue))
      end
    end
  end
rescue Custseg::Error => e # the message names file, line and field
  warn "example: #{Custseg.strerror(e.status)} #{e.message}"
  exit 1
end
