# frozen_string_literal: true

require_relative "test_helper"
require "stringio"
require "tmpdir"

class TestDataset < Minitest::Test
  include Fixtures

  def rfm_csv(ds, **opts) = Custseg.run("rfm", ds, **opts, &:to_csv)

  def test_rows_arrays_hashes_and_one_by_one
    tx_dataset do |ds|
      assert_equal [5, 8], [ds.customers, ds.transactions]
      assert_equal RFM_CSV, rfm_csv(ds)
    end
    hashes = TX_ROWS.map { |c, o, t, a| { customer: c, order: o.to_i, time: Date.parse(t), amount: d(a) } }
    Custseg::Dataset.from_rows(hashes.each) { |ds| assert_equal RFM_CSV, rfm_csv(ds) }
    Custseg::Dataset.open do |ds|
      TX_ROWS.each { |row| ds.add(*row, "books") }
      assert_equal RFM_CSV, rfm_csv(ds)
    end
    Custseg::Dataset.open do |ds|
      TX_ROWS.each { |row| ds << row }
      assert_equal RFM_CSV, rfm_csv(ds)
    end
  end

  def test_bulk_is_all_or_nothing
    Custseg::Dataset.open do |ds|
      e = assert_raises(Custseg::InvalidArgumentError) { ds.add_rows(TX_ROWS + [["", "9", "2024-01-01", "1"]]) }
      assert_includes e.message, "8"
      assert_equal 0, ds.transactions
    end
  end

  def test_columns
    c, o, t, a = TX_ROWS.transpose
    Custseg::Dataset.open do |ds|
      ds.add_columns(customer: c, order: o, time: t, amount: a)
      assert_equal RFM_CSV, rfm_csv(ds)
    end
    Custseg::Dataset.open do |ds|
      ds.add_columns(customer: [10, 10, 2], time: [0, 86_400, 86_400], amount_fixed: [10_000, 25_000, 5])
      r = Custseg.run("rfm", ds)
      assert_equal d("3.5"), r["10"].monetary
      assert_equal d("0.0005"), r["2"].monetary
    end
    Custseg::Dataset.open do |ds|
      ds.add_columns(customer: %w[a b], time: [0, 0], amount: [0.00005, 1.23456])
      r = Custseg.run("decile", ds)
      assert_equal [d("0"), d("1.2346")], [r["a"].monetary, r["b"].monetary]
      assert_raises(ArgumentError) { ds.add_columns(customer: %w[a b], time: [0], amount: [1, 2]) }
      assert_raises(ArgumentError) { ds.add_columns(customer: ["a\0b"], time: [0], amount: [1]) }
    end
    ids = ["Zoë", "李雷", "😀", "plain"]
    Custseg::Dataset.open do |ds|
      ds.add_columns(customer: ids, time: [0] * 4, amount: [1, 2, 3, 4])
      r = Custseg.run("decile", ds)
      assert_equal ids.sort_by(&:b), r.map(&:customer)
      assert_equal 2, r["😀"].decile
    end
  end

  def test_csv_sources_and_report
    Dir.mktmpdir do |dir|
      path = File.join(dir, "tx.csv")
      File.write(path, TX_CSV)
      Custseg::Dataset.from_csv(path, columns: MAP) { |ds| assert_equal RFM_CSV, rfm_csv(ds) }
      File.open(path) do |f|
        Custseg::Dataset.open { |ds| assert_equal 8, ds.map(**MAP).load_csv(f).accepted }
      end
    end
    Custseg::Dataset.open do |ds|
      rep = ds.map(MAP).load_csv(StringIO.new(TX_CSV))
      assert_equal [8, 8, 0], [rep.read, rep.accepted, rep.total_rejected]
    end
    bad = "customer,order,time,amount\na,1,2024-01-01,1\n,2,2024-01-01,1\nb,3,notadate,1\nc,4,2024-01-02,x\n"
    Custseg::Dataset.open do |ds|
      rep = ds.map(MAP).load_csv_buffer(bad, name: "bad.csv")
      assert_equal [4, 1, 3], [rep.read, rep.accepted, rep.total_rejected]
      assert_equal [3], rep.lines["missing customer"]
      assert_equal [4], rep.lines["bad date"]
      assert_equal [5], rep.lines["bad number"]
      assert_includes rep.to_s, "missing customer: 1 (lines 3)"
    end
    assert_equal "missing customer", Custseg::REJECT_REASONS.first
  end

  def test_csv_errors
    Custseg::Dataset.open do |ds|
      ds.map(customer: "nope", time: "time", amount: "amount")
      e = assert_raises(Custseg::ParseError) { ds.load_csv_buffer(TX_CSV, name: "tx.csv") }
      assert_includes e.message, "nope"
      assert_includes e.message, "tx.csv"
      e = assert_raises(Custseg::FileError) { ds.load_csv("/nonexistent/tx.csv") }
      assert_includes e.message, "/nonexistent/tx.csv"
      assert_raises(Custseg::NotFoundError) { ds.map(who: "customer") }
    end
  end

  def test_options
    Custseg::Dataset.open(header: false, delimiter: "whitespace") do |ds|
      ds.map(customer: 1, time: 2, amount: 3)
      assert_equal 2, ds.load_csv_buffer("  a 20240101 10.00\n  b 20240102  5\n").accepted
      assert_equal d("10"), Custseg.run("decile", ds)["a"].value
    end
    Custseg::Dataset.open(drop_returns: true, threads: 2) do |ds|
      rep = ds.map(MAP).load_csv_buffer("#{TX_CSV}a,9,2024-01-02,-5\n")
      assert_equal 1, rep.rejected["return dropped"]
      assert_equal RFM_CSV, rfm_csv(ds)
    end
    assert_raises(Custseg::InvalidArgumentError) { Custseg::Dataset.new(threads: 0) }
    assert_raises(TypeError) { Custseg::Dataset.new(threads: 1.5) }
  end

  def big_csv
    "customer,order,time,amount\n" + (0...200_000).map { |i| "c#{i % 50},#{i},2024-01-01,1\n" }.join
  end

  def test_progress
    seen = []
    Custseg::Dataset.open(progress: ->(f) { seen << f }) do |ds|
      ds.map(MAP).load_csv_buffer(big_csv)
      assert_equal 200_000, ds.transactions
    end
    assert_equal 1.0, seen.last
    assert_equal seen.sort, seen
    Custseg::Dataset.open do |ds|
      ds.on_progress { :cancel }
      assert_raises(Custseg::CanceledError) { ds.map(MAP).load_csv_buffer(big_csv) }
      ds.on_progress { raise IOError, "from the callback" }
      e = assert_raises(IOError) { ds.load_csv_buffer(big_csv) }
      assert_kind_of Custseg::CanceledError, e.cause
      ds.progress = nil
      ds.load_csv_buffer(big_csv)
      assert_equal 200_000, ds.transactions
    end
  end

  def test_summaries
    Custseg::Dataset.open do |ds|
      ds.add_customers([["x", 10, 2, "100.50"], { customer: "y", recency: 1, frequency: 9, monetary: 7 }])
      ds.add_customer("z", 400, 1, d("5"))
      assert_raises(Custseg::InvalidArgumentError) { ds.add_customer("z", 1, 1, 1) }
      assert_raises(Custseg::MisuseError) { ds.add("t", nil, 0, 1) }
      r = Custseg.run("rfm", ds, bins: 3)
      assert_equal [10, 2, d("100.5")], r["x"].to_a[2, 3]
      assert_equal [3, 1], [r["y"].r, r["z"].r]
      assert_operator ds.memory_bytes, :>, 0
    end
  end
end
