// duckdb.js - run an SQL script with DuckDB through @duckdb/node-api, for
// bench/run.sh (which sets NODE_PATH to where it installed the package).
//
//   node bench/duckdb.js SCRIPT.sql
//
// Statements end with ";" at the end of a line and run one at a time, so
// the script needs no client-side dot-commands; an error exits 1.
'use strict';

const fs = require('fs');
const { DuckDBInstance } = require('@duckdb/node-api');

async function main(path) {
  const sql = fs.readFileSync(path, 'utf8');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();

  for (const statement of sql.split(/;[ \t]*$/m)) {
    const code = statement.replace(/^\s*--.*$/gm, '').trim();
    if (code) {
      await connection.run(code);
    }
  }
}

main(process.argv[2]).then(
  () => process.exit(0),
  (err) => {
    console.error(`duckdb.js: ${err && err.message ? err.message : err}`);
    process.exit(1);
  });
