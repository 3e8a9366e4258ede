# frozen_string_literal: true

require_relative "test_helper"
require "stringio"

# Attributes, events and the rules of the "prior" strategy.
class TestPrior < Minitest::Test
  include Fixtures

  def setup
    skip "this libcustseg has no rules" unless Custseg::Native.has?(:custseg_strategy_add_rule)
    @ds = Custseg::Dataset.new
    @ds.add_rows([["a", "o1", "2024-01-10", 100], ["a", "o2", "2024-02-20T10:00:00", 50],
                  ["b", "o3", "2023-06-01", 1000], ["c", "o4", "2024-02-28", 20],
                  ["c", "C5", "2024-02-28T18:00:00", -5], ["e", "o6", "2024-01-01", 10]])
    %w[a b c d].zip(["UK", "DE", "FR", "United Kingdom"]) { |c, k| @ds.set_attribute(c, "country", k) }
    @ds.set_attributes("size", %w[a b d], [50, 500, 5])
    @ds.add_event("c", "cart_add", "2024-02-27")
  end

  def teardown
    @ds&.close
  end

  def match(expr)
    Custseg.run("prior", @ds, as_of: "2024-03-01", rules: [["Y", expr]]) { |r| r.segment("Y").members.join(",") }
  end

  def test_contents_and_rules
    assert_equal({ "country" => String, "size" => Float }, @ds.attributes)
    assert_equal [1, 5], [@ds.events, @ds.customers]
    assert_equal "a", match("country = 'UK'")
    assert_equal "a,d", match("size <= 50")
    assert_equal "c,e", match("size is null")
    assert_equal "a,c", match("monetary between 15 and 150")
    assert_equal "c", match("events('cart_add', 3) = 1")
  end

  def test_rule_errors_and_files
    Custseg::Strategy.open("prior", as_of: "2024-03-01", default_segment: "Rest") do |s|
      s.load_rules_buffer("# tiers\nBig: monetary >= 500\nUK: country = 'UK'\n")
      assert_equal [["Big", 1], ["UK", 1], ["Rest", 3]], s.run(@ds).each_segment.map { |x| [x.name, x.count] }
      e = assert_raises(Custseg::ParseError) { s.add_rule("Z", "size > 5 5") }
      assert_equal [1, 10], [e.line, e.column]
      e = assert_raises(Custseg::ParseError) { s.load_rules_buffer("A: size > 1\nB: size >\n", name: "r.txt") }
      assert_equal 2, e.line
      assert_includes e.message, "r.txt"
    end
  end

  def test_rfm_in_rules_and_loaders
    tx_dataset do |ds|
      rfm = Custseg.run("rfm", ds)
      r = Custseg.run("prior", ds, rfm: rfm, rules: { "Top" => "r_score >= 4", "Lost" => "rfm_segment = 'Lost'" })
      assert_equal %w[c d], r.segment("Top").members
      assert_equal %w[a], r.segment("Lost").members
      ds2 = Custseg::Dataset.from_rows(TX_ROWS)
      ds2.load_customers_csv(StringIO.new("id,country\na,UK\nz,FR\n"), { id: "id", country: "country" })
      rep = ds2.load_events_csv(StringIO.new("who,what,when\na,visit,2024-01-02\nb,,2024-01-02\n"),
                                "customer=who,name=what,time=when")
      assert_equal [2, 1], [rep.read, rep.accepted]
      assert_equal [1, 6], [ds2.events, ds2.customers]
      ds2.add_events(customer: %w[a b], name: %w[visit visit], time: [0, 86_400], value: [1.0, nil])
      assert_equal 3, ds2.events
      assert_equal %w[a], Custseg.run("prior", ds2, rules: { "UK" => "country = 'UK'" }).segment("UK").members
      ds2.close
    end
  end

  def test_attributes_in_custom_strategies
    skip "no custom strategies" unless Custseg.custom_strategies?
    seen = {}
    Custseg.register_strategy("rb_country") do |a|
      seen[:size] = a.attribute("size", 0)
      a.attribute("country").map { |c| c || "none" }
    end
    r = Custseg.run("rb_country", @ds, as_of: "2024-03-01")
    assert_equal 50.0, seen[:size]
    assert_equal "DE", r["b"].segment
    assert_includes r.segment_names, "none"
  ensure
    Custseg.unregister_strategy("rb_country") if Custseg.custom_strategies?
  end
end
