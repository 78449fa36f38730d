#!/usr/bin/env python3
"""Independent reference values for tests/strategy (run once; numbers pasted into the tests).

Straightforward list-based textbook implementations, written separately from strategy/*.cpp:
full series are built first (EMA/Wilder series, DM/TR lists) and the last element is taken.
Data: ../shared/data/market/okx_spot_2022 (real OKX candles). Usage: python3 make_reference.py
"""
import csv, gzip, math, os, sys

DATA = os.environ.get("SCALPEL_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../../../shared/data/market"))

def load(path):
    p = os.path.join(DATA, path)
    op = gzip.open if p.endswith(".gz") else open
    with op(p, "rt") as f:
        r = csv.DictReader(f)
        return [(int(x["open_time_ms"]), float(x["open"]), float(x["high"]), float(x["low"]), float(x["close"]), float(x["volume"])) for x in r]

def sma(v, n): return sum(v[-n:]) / n

def ema_series(v, n):
    a = 2 / (n + 1)
    out = [None] * (n - 1) + [sum(v[:n]) / n]
    for x in v[n:]:
        out.append(a * x + (1 - a) * out[-1])
    return out

def rsi(v, n=14):
    ch = [v[i] - v[i - 1] for i in range(1, len(v))]
    g = [max(c, 0) for c in ch]; l = [max(-c, 0) for c in ch]
    ag = sum(g[:n]) / n; al = sum(l[:n]) / n
    for i in range(n, len(ch)):
        ag = (ag * (n - 1) + g[i]) / n; al = (al * (n - 1) + l[i]) / n
    if al == 0: return 50.0 if ag == 0 else 100.0
    return 100 - 100 / (1 + ag / al)

def macd(v):
    e12 = ema_series(v, 12); e26 = ema_series(v, 26)
    line = [e12[i] - e26[i] for i in range(25, len(v))]
    sig = ema_series(line, 9)
    return line[-1], sig[-1], line[-1] - sig[-1]

def tr_list(c):
    return [max(c[i][2] - c[i][3], abs(c[i][2] - c[i - 1][4]), abs(c[i][3] - c[i - 1][4])) for i in range(1, len(c))]

def atr(c, n=14):
    tr = tr_list(c)
    a = sum(tr[:n]) / n
    for x in tr[n:]: a = (a * (n - 1) + x) / n
    return a

def boll(v, n=20, k=2):
    w = v[-n:]; m = sum(w) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in w) / n)
    return m + k * sd, m, m - k * sd

def adx(c, n=14):
    tr = tr_list(c)
    pdm = []; mdm = []
    for i in range(1, len(c)):
        up = c[i][2] - c[i - 1][2]; dn = c[i - 1][3] - c[i][3]
        pdm.append(up if (up > dn and up > 0) else 0.0)
        mdm.append(dn if (dn > up and dn > 0) else 0.0)
    def wilder_sum(x):
        s = [sum(x[:n])]
        for v in x[n:]: s.append(s[-1] - s[-1] / n + v)
        return s
    st, sp, sm = wilder_sum(tr), wilder_sum(pdm), wilder_sum(mdm)
    pdi = [100 * p / t if t else 0 for p, t in zip(sp, st)]
    mdi = [100 * m / t if t else 0 for m, t in zip(sm, st)]
    dx = [100 * abs(p - m) / (p + m) if (p + m) else 0 for p, m in zip(pdi, mdi)]
    a = sum(dx[:n]) / n
    for v in dx[n:]: a = (a * (n - 1) + v) / n
    return a, pdi[-1], mdi[-1]

def vol_ratio(c, n=20):
    return c[-1][5] / (sum(x[5] for x in c[-n - 1:-1]) / n)

def reversals(closes, moves=18):
    d = [closes[i] - closes[i - 1] for i in range(len(closes) - moves, len(closes))]
    signs = [1 if x > 0 else -1 for x in d if x != 0]
    return sum(1 for i in range(1, len(signs)) if signs[i] != signs[i - 1])

def volume_profile(c, bins=50, va=0.7):
    lo = min(x[3] for x in c); hi = max(x[2] for x in c); w = (hi - lo) / bins
    h = [0.0] * bins
    for x in c:
        a = min(max(int(math.floor((x[3] - lo) / w)), 0), bins - 1)
        b = min(max(int(math.floor((x[2] - lo) / w)), 0), bins - 1)
        for k in range(a, b + 1): h[k] += x[5] / (b - a + 1)
    poc = max(range(bins), key=lambda i: (h[i], -i))
    tot = sum(h); l = r = poc; acc = h[poc]
    while acc < va * tot and (l > 0 or r < bins - 1):
        below = h[l - 1] if l > 0 else -1; above = h[r + 1] if r < bins - 1 else -1
        if above >= below: r += 1; acc += h[r]
        else: l -= 1; acc += h[l]
    return lo + (poc + 0.5) * w, lo + l * w, lo + (r + 1) * w

def pearson_logret(a, b, n=100):
    ta = {x[0]: x[4] for x in a}; common = [x[0] for x in b if x[0] in ta]
    common = common[-(n + 1):]
    tb = {x[0]: x[4] for x in b}
    xa = [math.log(ta[common[i]] / ta[common[i - 1]]) for i in range(1, len(common))]
    xb = [math.log(tb[common[i]] / tb[common[i - 1]]) for i in range(1, len(common))]
    ma = sum(xa) / len(xa); mb = sum(xb) / len(xb)
    cov = sum((p - ma) * (q - mb) for p, q in zip(xa, xb))
    return cov / math.sqrt(sum((p - ma) ** 2 for p in xa) * sum((q - mb) ** 2 for q in xb))

btc5 = load("okx_spot_2022/5m/BTC-USDT_5m.csv.gz")
eth5 = load("okx_spot_2022/5m/ETH-USDT_5m.csv.gz")
sl = btc5[1000:1200]
cl = [x[4] for x in sl]
print("slice btc5[1000:1200] first open_time", sl[0][0], "last", sl[-1][0])
print("sma10 %.12g sma30 %.12g" % (sma(cl, 10), sma(cl, 30)))
print("ema8 %.12g ema21 %.12g" % (ema_series(cl, 8)[-1], ema_series(cl, 21)[-1]))
print("rsi14 %.12g" % rsi(cl))
print("macd line/signal/hist %.12g %.12g %.12g" % macd(cl))
print("atr14 %.12g" % atr(sl))
print("boll upper/mid/lower %.12g %.12g %.12g" % boll(cl))
print("adx/+di/-di %.12g %.12g %.12g" % adx(sl))
print("volume ratio %.12g" % vol_ratio(sl))
print("sma50 %.12g reversals18 %d" % (sma(cl, 50), reversals(cl)))
h1 = load("okx_spot_2022/1h/BTC-USDT_1h.csv")
hs = h1[200:300]
print("vp slice btc1h[200:300] first", hs[0][0], "poc/val/vah %.12g %.12g %.12g" % volume_profile(hs))
d1 = load("okx_spot_2022/1d/BTC-USDT_1d.csv")
print("d1[10]", d1[10])
eth_sl = [x for x in eth5 if sl[0][0] <= x[0] <= sl[-1][0]]
print("corr btc/eth 100 log returns ending", sl[-1][0], "%.12g" % pearson_logret(sl, eth_sl))
