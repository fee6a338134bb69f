"""Reading evidence into the Carelens store: contract, store, loader, text, linking."""
