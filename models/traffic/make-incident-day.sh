#!/bin/sh
# Writes incident-day.csv: the shop's request rate over the 40 hours from
# 2023-06-20 00:00 to 2023-06-21 16:00, one point every 5 minutes.
#
# Generated, not measured: a diurnal curve with the shape shops publish
# (the trough at 04:00 at 40 % of the 16:00 peak, a raised cosine between
# them), peak 350 requests/s, and on the first day the sale: 3× the curve
# from 10:00 to 12:00, ramping up over the 15 minutes before and down over
# the 15 after. Run it again to regenerate (POSIX sh and awk only):
#   sh models/traffic/make-incident-day.sh > models/traffic/incident-day.csv
awk 'BEGIN {
  pi = atan2(0, -1); peak = 350; print "t_s,rate_rps"
  for (t = 0; t <= 40 * 3600; t += 300) {
    h = t / 3600
    d = (1 - cos(2 * pi * (h - 4) / 24)) / 2
    r = peak * (0.40 + 0.60 * d)
    if (h >= 9.75 && h < 10) s = 1 + 2 * (h - 9.75) / 0.25
    else if (h >= 10 && h <= 12) s = 3
    else if (h > 12 && h <= 12.25) s = 3 - 2 * (h - 12) / 0.25
    else s = 1
    printf "%d,%.1f\n", t, r * s
  }
}'
