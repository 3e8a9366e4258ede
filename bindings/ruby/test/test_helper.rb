# frozen_string_literal: true

$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
require "custseg"
require "minitest/autorun"
require "bigdecimal"

module Fixtures
  ROOT = File.expand_path("../../..", __dir__)
  DATA_DIR = ENV.fetch("CUSTSEG_DATA_DIR", File.join(File.dirname(ROOT), "shared", "data"))

  # The hand-computed case of tests/cli.sh: as_of 2024-01-08, NTILE(5).
  TX_CSV = <<~CSV
    customer,order,time,amount
    a,1,2024-01-01,10.00
    b,2,2024-01-02,20.00
    b,3,2024-01-03,5.50
    c,4,2024-01-05,30.00
    d,5,2024-01-05,1.00
    d,6,2024-01-06,1.00
    d,7,2024-01-07,1.00
    e,8,2024-01-04,100.125
  CSV
  TX_ROWS = TX_CSV.lines.drop(1).map { |l| l.chomp.split(",") }
  MAP = { customer: "customer", order: "order", time: "time", amount: "amount" }.freeze
  RFM_CSV = <<~CSV
    customer_id,recency,frequency,monetary,r,f,m,score,segment
    a,7,1,10.00,1,1,2,4,Lost
    b,5,2,25.50,2,4,3,9,At Risk
    c,3,1,30.00,4,2,4,10,Promising
    d,1,3,3.00,5,5,1,11,Potential Loyalist
    e,4,1,100.13,3,3,5,11,Loyal Customers
  CSV
  DECILE_CSV = <<~CSV
    customer_id,value,decile
    a,10.000,4
    b,25.500,3
    c,30.000,2
    d,3.000,5
    e,100.125,1
  CSV

  def tx_dataset(&block)
    Custseg::Dataset.from_rows(TX_ROWS, &block)
  end

  def data_path(rel)
    path = File.join(DATA_DIR, rel)
    skip "#{path} not found (set CUSTSEG_DATA_DIR)" unless File.exist?(path)
    path
  end

  def d(text) = BigDecimal(text)
end
