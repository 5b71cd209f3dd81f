# The computation graph of a small expression: drawn by show_graph,
# and exported as Graphviz DOT (paste it into any Graphviz viewer).
import ad
from ad import tensor
from playground import show_graph

a = tensor(2.0)
b = tensor(-3.0)
c = tensor(10.0)

e = a * b
d = e + c
f = tensor(-2.0)
L = d * f
L.backward()

print("L =", float(L.data))
print("dL/da =", float(a.grad), " dL/db =", float(b.grad))
print("dL/dc =", float(c.grad), " dL/df =", float(f.grad))

# ad.graph(L) is the same graph as plain data: nodes and edges.
g = ad.graph(L)
print(len(g["nodes"]), "nodes,", len(g["edges"]), "edges")
show_graph(L, title="graph of L")
print()
print(ad.to_dot(L))
