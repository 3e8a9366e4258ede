# frozen_string_literal: true

require_relative "test_helper"
require "json"
require "stringio"
require "tmpdir"

class TestResult < Minitest::Test
  include Fixtures

  def setup
    @r = tx_dataset { |ds| Custseg.run("rfm", ds) }
  end

  def teardown
    @r.close
  end

  def test_csv_matches_cli
    assert_equal RFM_CSV, @r.to_csv
  end

  def test_rows_are_enumerable
    assert_equal %w[a b c d e], @r.map(&:customer)
    assert_equal 5, @r.size
    b = @r.to_a[1]
    assert_equal ["b", "At Risk", 5, 2, d("25.5"), 2, 4, 3, 9.0], b.to_a
    assert_equal %i[recency frequency monetary r f m], @r.fields
    assert_equal %w[d e], @r.select { |row| row.score == 11 }.map(&:customer)
    assert_equal "e", @r.max_by(&:monetary).customer
    assert_nil @r["zz"]
    assert @r.customer?("d")
    assert_equal 2, @r.index_of("c")
    assert_raises(IndexError) { @r.row(5) }
  end

  def test_segments
    assert_equal "rfm", @r.strategy
    assert_equal 11, @r.segment_count
    assert_equal "Champions", @r.segment(0).name
    assert_equal "Lost", @r.segment(-1).name
    lost = @r.segment("Lost")
    assert_equal [1, 1, 10], [lost.count, lost.size, lost.index]
    assert_equal d("10"), lost.revenue
    assert_in_delta 0.2, lost.share
    assert_in_delta 10 / 168.625, lost.revenue_share
    assert_equal Custseg::STATS, lost.stats.keys
    assert_equal 4.0, lost.stats[:score_mean]
    assert_equal ["d"], @r.segment("Potential Loyalist").members
    assert_equal ["b"], @r.segment("At Risk").rows.map(&:customer)
    nonempty = @r.each_segment.select { |s| s.count.positive? }.map { |s| [s.name, s.count] }
    assert_equal [["Loyal Customers", 1], ["Potential Loyalist", 1], ["Promising", 1],
                  ["At Risk", 1], ["Lost", 1]], nonempty
    assert_nil @r.segment("Nope")
    assert_equal 11, @r.each_segment.size
    it = @r.segment_iterator
    assert_equal 11, it.count
    assert_raises(StopIteration) { it.next }
    assert_equal "Champions", it.rewind.next.name
    it.close
  end

  def test_thresholds
    assert_equal 5, @r.bins
    assert_equal [100.125, 100.125], @r.thresholds[:monetary][4]
    assert_equal [3.0, 3.0], @r.threshold(:frequency, 5)
    assert_raises(Custseg::NotFoundError) { @r.threshold(:frequency, 6) }
  end

  def test_exports
    doc = JSON.parse(@r.to_json)
    assert_equal 5, doc["customers"]
    assert_equal "Loyal Customers", doc["rows"][4]["segment"]
    assert_includes @r.to_table, "Potential Loyalist"
    assert_equal 12, @r.to_segments_csv.lines.size
    assert @r.to_csv(decimals: 4).lines[5].start_with?("e,4,1,100.1250,")
    assert_raises(Custseg::InvalidArgumentError) { @r.to_csv(decimals: 5) }
    Dir.mktmpdir do |dir|
      path = File.join(dir, "out.csv")
      assert_nil @r.to_csv(path)
      assert_equal RFM_CSV, File.read(path)
      assert_raises(Custseg::FileError) { @r.to_csv(File.join(dir, "no/such/dir.csv")) }
    end
    io = StringIO.new
    @r.write(:csv, io)
    assert_equal RFM_CSV, io.string
    full = Object.new
    def full.write(_) = raise(IOError, "disk full")
    e = assert_raises(IOError) { @r.to_json(full) }
    assert_equal "disk full", e.message
  end

  def test_options
    Custseg::Strategy.open("rfm") do |s|
      assert_equal Integer, s.options["bins"]
      assert_equal String, s.options["as_of"]
      s.set(bins: 3, binning: "quantile")
      s[:as_of] = Date.new(2024, 1, 8)
      assert_equal 3, s.values[:bins]
      assert_raises(TypeError) { s[:bins] = "3" }
      assert_raises(Custseg::NotFoundError) { s.set(no_such: 1) }
      assert_raises(Custseg::InvalidArgumentError) { s.set(binning: "nope") }
      assert_raises(Custseg::NotFoundError) { s.set_double("no_such", 1.0) }
      s.set_int("bins", 4)
      s.set_string("binning", "ntile")
      tx_dataset { |ds| assert_equal 4, s.run(ds, &:bins) }
    end
    tx_dataset do |ds|
      assert_equal 11, Custseg.run("rfm", ds, as_of: "2024-01-18") { |r| r["d"].recency }
      Custseg::Strategy.open("rfm") { |s| assert_equal 2, Custseg.run(s, ds, bins: 2, &:bins) }
    end
  end

  def test_segment_maps
    tx_dataset do |ds|
      r = Custseg.run("rfm", ds, segments: [["Top", { r: 4..5, m: [4, 5] }], ["Frequent", { f: 5 }],
                                            ["Exact", ["123", [1, 1, 2]]]])
      assert_equal ["Top", "Frequent", "Exact", "Others"], r.segments.map(&:name)
      assert_equal [1, 1, 1, 2], r.segments.map(&:count)
      assert_equal "Exact", r["a"].segment
      map = "segment,r_min,r_max,f_min,f_max,m_min,m_max\nEveryone,1,5,1,5,1,5\n"
      Custseg::Strategy.open("rfm") do |s|
        s.load_segments_buffer(map)
        assert_equal [5, 0], s.run(ds).segments.map(&:count)
        s.clear_segments
        assert_equal 11, s.run(ds).segment_count
        s.add_segment("Lonely", codes: "555")
        assert_equal 5, s.run(ds).segment("Others").count
        assert_raises(Custseg::InvalidArgumentError) { s.add_segment("Bad", r: 0..11) }
        assert_raises(Custseg::ParseError) { s.add_segment("Bad", codes: "5x5") }
      end
      Dir.mktmpdir do |dir|
        path = File.join(dir, "map.csv")
        File.write(path, map)
        assert_equal 5, Custseg.run("rfm", ds, segments: path).segment("Everyone").count
      end
    end
  end

  def test_progress_of_runs
    seen = []
    tx_dataset do |ds|
      Custseg.run("rfm", ds, progress: ->(f) { seen << f })
      assert_equal 1.0, seen.last
      assert_raises(Custseg::CanceledError) { Custseg.run("rfm", ds, progress: ->(_) { :cancel }) }
    end
  end

  def test_decile
    tx_dataset do |ds|
      r = Custseg.run("decile", ds)
      assert_equal DECILE_CSV, r.to_csv(decimals: 3)
      e = r["e"]
      assert_equal [1, d("100.125"), "1"], [e.decile, e.value, e.segment]
      assert_equal [1] * 5 + [0] * 5, r.segments.map(&:count)
      assert_equal({}, r.thresholds)
      assert_in_delta 100.125 / (168.625 / 5), r.segment("1").stat(:lift)
      f = Custseg.run("decile", ds, metric: "frequency")
      assert_equal 3, f["d"].value
      assert_kind_of Integer, f["d"].value
    end
  end

  def test_runs_in_threads
    tx_dataset do |ds|
      ds.freeze!
      out = Array.new(6) { Thread.new { Custseg.run("rfm", ds, &:to_csv) } }.map(&:value)
      assert_equal [RFM_CSV] * 6, out
    end
  end
end
