#!/bin/sh
# Writes shop-access.csv: an example access log with the shop's own key
# names, for `outage-sim fit` and trace replay.
#
# Generated, not recorded: 30 000 requests over 60 s at a steady
# 500 requests/s (exponential gaps), 3 000 products whose popularity is
# Zipf with exponent 0.9 (product ids are shuffled, so a name carries no
# rank), 92 % reads (GET), 6 % writes (SET, with the item's size) and 2 %
# deletes (DELETE), sizes lognormal around 4 kB (fixed per product). The
# awk seed is fixed, so the file is the same every time:
#   sh models/traces/make-shop-access.sh > models/traces/shop-access.csv
awk 'BEGIN {
  srand(20230620); n = 3000; s = 0.9; total = 0
  for (i = 1; i <= n; i++) { total += i ^ (-s); cdf[i] = total }
  for (i = 1; i <= n; i++) { cdf[i] /= total; id[i] = i }
  for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = id[i]; id[i] = id[j]; id[j] = t }
  for (i = 1; i <= n; i++) {
    u1 = rand(); u2 = rand(); z = sqrt(-2 * log(u1 + 1e-12)) * cos(6.283185307 * u2)
    size[i] = int(exp(log(3000) + 0.8 * z)) + 64
  }
  print "t_s,key,op,size"; t = 0
  for (r = 0; r < 30000; r++) {
    t += -log(1 - rand()) / 500
    u = rand(); lo = 1; hi = n
    while (lo < hi) { mid = int((lo + hi) / 2); if (cdf[mid] < u) lo = mid + 1; else hi = mid }
    k = id[lo]; v = rand()
    op = v < 0.92 ? "GET" : (v < 0.98 ? "SET" : "DELETE")
    if (op == "SET") printf "%.6f,product/sku-%05d,%s,%d\n", t, k, op, size[k]
    else printf "%.6f,product/sku-%05d,%s\n", t, k, op
  }
}'
