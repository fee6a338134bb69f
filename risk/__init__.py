"""Risk of poor care from the store: indicators, the score, its explanation, backtest."""
