"""The payments database: tables, queries, migrations."""
