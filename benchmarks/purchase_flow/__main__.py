from benchmarks.purchase_flow.cli import main

main()
