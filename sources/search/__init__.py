"""Full-text search over what people said: the index (`index`), the query language
(`query`), and the search itself with its filters and roles (`find`).

`index` imports nothing of Carelens, so the store can install it on every table it creates.
"""
