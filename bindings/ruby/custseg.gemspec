# frozen_string_literal: true

# Ruby bindings over the ffi gem: nothing is compiled at install time. They
# need libcustseg.so.1 at run time (installed, or CUSTSEG_LIBRARY).
Gem::Specification.new do |s|
  s.name = "custseg"
  s.version = "1.0.0"
  s.summary = "Customer segmentation (RFM, deciles, custom strategies) over libcustseg"
  s.license = "MIT"
  s.authors = ["libcustseg"]
  s.files = Dir["lib/**/*.rb"]
  s.required_ruby_version = ">= 3.0"
  s.add_dependency "ffi", ">= 1.15"
end
