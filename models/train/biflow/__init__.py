"""BiFlow training package: forward flow F (improved TARFlow), reverse model G, export."""
