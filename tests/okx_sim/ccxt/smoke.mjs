// ccxt (pinned in package-lock.json) as an unmodified third-party client of okx_sim: the calls of
// spec §5 — loadMarkets, fetchTicker, fetchOHLCV, fetchBalance, createOrder (batch-orders),
// limit order + cancelOrder, an OCO through order-algo + cancel, and watchTicker over WS.
import ccxt from 'ccxt';
import assert from 'node:assert/strict';

const base = `http://127.0.0.1:${process.env.SIM_PORT}`;
const auth = { apiKey: 'ccxt-key', secret: 'ccxt-secret', password: 'ccxt-pass' };
const ex = new ccxt.okx({ ...auth, urls: { api: { rest: base } } });

const markets = await ex.loadMarkets();           // all instTypes + signed asset/currencies
assert.ok(markets['BTC/USDT'], 'BTC/USDT market');
assert.equal(markets['BTC/USDT'].precision.price, 0.1);
console.log('loadMarkets ok:', Object.keys(markets).join(' '));

const t = await ex.fetchTicker('BTC/USDT');
assert.ok(t.last > 0 && t.ask > t.bid, 'ticker');
console.log('fetchTicker ok:', t.last, t.bid, t.ask);

const ohlcv = await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 5);
assert.equal(ohlcv.length, 5);
assert.ok(ohlcv[0][0] < ohlcv[4][0], 'ccxt sorts ascending');
console.log('fetchOHLCV ok:', ohlcv[4]);

const bal = await ex.fetchBalance();
assert.equal(bal.USDT.free, 10000);
console.log('fetchBalance ok: USDT', bal.USDT);

const buy = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.001);
assert.ok(buy.id, 'order id');
const got = await ex.fetchOrder(buy.id, 'BTC/USDT');
assert.equal(got.status, 'closed');
console.log('createOrder(market) ok:', buy.id, got.status, got.average, got.fee);

const lim = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, Math.floor(t.last * 0.5));
const canceled = await ex.cancelOrder(lim.id, 'BTC/USDT');
assert.equal(canceled.id, lim.id);
const after = await ex.fetchOrder(lim.id, 'BTC/USDT');
assert.equal(after.status, 'canceled');
console.log('limit + cancelOrder ok:', lim.id, after.status);

const px = (await ex.fetchTicker('BTC/USDT')).last;
const oco = await ex.createOrder('BTC/USDT', 'oco', 'sell', 0.0009, undefined, {
  tdMode: 'cash', tpTriggerPx: Math.round(px * 1.2), tpOrdPx: '-1', slTriggerPx: Math.round(px * 0.8), slOrdPx: '-1' });
assert.ok(oco.id, 'algo id');
await ex.cancelOrder(oco.id, 'BTC/USDT', { stop: true });
console.log('OCO create + cancel ok:', oco.id);

const pro = new ccxt.pro.okx({ ...auth, urls: { api: { rest: base, ws: `ws://127.0.0.1:${process.env.SIM_PORT}/ws/v5` } } });
await pro.loadHttpProxyAgent();
await pro.loadMarkets();
const wt = await pro.watchTicker('BTC/USDT');
assert.ok(wt.last > 0);
const wt2 = await pro.watchTicker('BTC/USDT');
console.log('watchTicker ok:', wt.last, '->', wt2.last);
await pro.close();
console.log('ccxt smoke: all ok');
