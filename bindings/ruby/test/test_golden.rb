# frozen_string_literal: true

require_relative "test_helper"
require "csv"

# R rfm 0.3.0 golden outputs (../shared/data/rfm; skipped when absent).
class TestGolden < Minitest::Test
  include Fixtures

  ORDERS = { customer: "customer_id", time: "order_date", amount: "revenue" }.freeze

  def orders(segments = nil)
    Custseg::Dataset.from_csv(data_path("rfm/rfm_data_orders.csv"), columns: ORDERS) do |ds|
      assert_equal [4906, 4906, 995], [ds.report.read, ds.report.accepted, ds.customers]
      Custseg.run("rfm", ds, binning: "quantile", as_of: "2006-12-31", segments: segments)
    end
  end

  def golden(rel) = CSV.read(data_path(rel), headers: true)

  def test_thresholds_and_counts
    r = orders
    edges = { recency: [1, 115, 181, 297.4, 482, 977], frequency: [1, 4, 5, 6, 8, 15],
              monetary: [12, 255.8, 382, 506.4, 666, 1489] }
    edges.each do |v, e|
      5.times do |i|
        lo, hi = r.threshold(v, v == :recency ? 5 - i : i + 1)
        assert_in_delta e[i], lo, 1e-9
        assert_in_delta e[i + 1], hi, 1e-9
      end
    end
    { r: [197, 200, 199, 199, 200], f: [268, 187, 176, 244, 120], m: [200, 200, 198, 202, 195] }.each do |k, want|
      assert_equal want, (1..5).map { |s| r.count { |row| row[k] == s } }, k
    end
  end

  def test_readme_segments
    r = orders(data_path("rfm/segments_readme.csv"))
    rows = golden("rfm/golden_rfm_table_order_2006-12-31_readme_segments.csv")
    assert_equal rows.size, r.size
    rows.each do |g|
      row = r[g["customer_id"]]
      assert_equal g["segment"], row.segment, g["customer_id"]
      assert_equal g["rfm_score"].to_i, (100 * row.r) + (10 * row.f) + row.m
      assert_equal [g["transaction_count"].to_i, g["recency_days"].to_i, d(g["amount"])],
                   [row.frequency, row.recency, row.monetary]
    end
    assert_equal 0, r.segment("Others").count
  end

  def test_test_segments
    r = orders(data_path("rfm/segments_test.csv"))
    golden("rfm/golden_rfm_table_order_2006-12-31_test_segments.csv").each do |g|
      assert_equal g["segment"], r[g["customer_id"]].segment
    end
    assert_equal 48, r.segment("Others").count
    champions = r.segment("Champions")
    assert_equal 158, champions.count
    assert_equal 1234, champions.rows.sum(&:frequency)
    assert_equal d("120178"), champions.revenue
  end

  def test_customer_summaries
    map = { customer: "customer_id", recency: "recency_days", frequency: "number_of_orders",
            monetary: "revenue" }
    r = Custseg::Dataset.from_csv(data_path("rfm/rfm_data_customer.csv"), columns: map) do |ds|
      Custseg.run("rfm", ds, binning: "quantile", as_of: "2007-01-01")
    end
    rows = golden("rfm/golden_rfm_table_customer_2007-01-01.csv")
    assert_equal rows.size, r.size
    rows.each do |g|
      row = r[g["customer_id"]]
      assert_equal %w[recency_score frequency_score monetary_score].map { |k| g[k].to_i },
                   [row.r, row.f, row.m], g["customer_id"]
    end
  end
end
