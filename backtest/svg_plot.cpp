// svg_plot: hand-written SVG; coordinates printed with one decimal for compact, stable output.
#include "backtest/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace scalpel::backtest {
namespace {

constexpr const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// A "nice" step (1, 2, 5 × 10^k) giving about `target` intervals over `span`.
double nice_step(double span, int target) {
    if (!(span > 0))
        return 1;
    const double raw = span / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag)
            return m * mag;
    return 10 * mag;
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '&')
            out += "&amp;";
        else
            out += c;
    }
    return out;
}

struct panel {
    double x0, y0, w, h; // plot area in SVG units
    double lo, hi;       // value range
    std::int64_t t0, t1;
    [[nodiscard]] double x(std::int64_t t) const {
        return x0 + w * double(t - t0) / double(std::max<std::int64_t>(1, t1 - t0));
    }
    [[nodiscard]] double y(double v) const { return y0 + h - h * (v - lo) / (hi - lo); }
};

void axes(std::string& out, const panel& p, const std::string& y_label) {
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                       "fill=\"none\" stroke=\"#333\"/>\n",
                       p.x0, p.y0, p.w, p.h);
    const double step = nice_step(p.hi - p.lo, 5);
    for (double v = std::ceil(p.lo / step) * step; v <= p.hi + 1e-9; v += step) {
        const double yy = p.y(v);
        out += fmt::format(
            "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n",
            p.x0, yy, p.x0 + p.w, yy);
        out += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">{}</text>\n",
            p.x0 - 6, yy + 4,
            fmt::format("{:.{}f}", std::abs(v) < 1e-9 ? 0.0 : v, step < 1 ? 2 : 0));
    }
    out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" "
                       "text-anchor=\"middle\" font-size=\"12\">{}</text>\n",
                       p.x0 - 55, p.y0 + p.h / 2, escape(y_label));
}

} // namespace

std::string render_equity_svg(const std::vector<run_result>& runs, std::int64_t from_ms,
                              std::int64_t to_ms, const std::string& title) {
    constexpr double width = 1100, height = 720, left = 80, right = 260, top = 50;
    constexpr double eq_h = 380, gap = 50, dd_h = 170;
    std::vector<std::vector<equity_point>> curves;
    double lo = 1e300, hi = -1e300, dd_max = 0;
    std::vector<std::vector<std::pair<std::int64_t, double>>> dds;
    for (const auto& run : runs) {
        std::vector<equity_point> c;
        c.push_back({from_ms, run.config.start_balance_usd});
        for (const auto& e : run.equity)
            if (e.ts_ms > from_ms)
                c.push_back(e);
        c.push_back({to_ms, c.back().equity});
        std::vector<std::pair<std::int64_t, double>> dd;
        double peak = c.front().equity;
        for (const auto& e : c) {
            lo = std::min(lo, e.equity);
            hi = std::max(hi, e.equity);
            peak = std::max(peak, e.equity);
            dd.emplace_back(e.ts_ms, e.equity - peak);
            dd_max = std::max(dd_max, peak - e.equity);
        }
        curves.push_back(std::move(c));
        dds.push_back(std::move(dd));
    }
    if (curves.empty())
        lo = hi = 0;
    if (hi - lo < 1e-6) {
        lo -= 1;
        hi += 1;
    }
    const double pad = (hi - lo) * 0.05;
    const panel eq{left, top, width - left - right, eq_h, lo - pad, hi + pad, from_ms, to_ms};
    const panel dd{left,
                   top + eq_h + gap,
                   width - left - right,
                   dd_h,
                   -(dd_max > 0 ? dd_max * 1.05 : 1),
                   0,
                   from_ms,
                   to_ms};

    std::string out = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
        "{1}\" "
        "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        width, height);
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"28\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        left + eq.w / 2, escape(title));
    axes(out, eq, "equity (USDT, realised)");
    axes(out, dd, "drawdown (USDT)");

    // Time axis: one label per whole UTC day step, at most ~8 labels.
    constexpr std::int64_t day = 86'400'000;
    const std::int64_t days = std::max<std::int64_t>(1, (to_ms - from_ms) / day);
    std::int64_t every = 1;
    while (days / every > 8)
        every *= 2;
    const std::int64_t tick_step = days >= 2 ? every * day : 3'600'000;
    for (std::int64_t t = (from_ms / tick_step + 1) * tick_step; t < to_ms; t += tick_step) {
        const double xx = eq.x(t);
        out += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>\n",
            xx, eq.y0, dd.y0 + dd.h);
        const std::string label = format_utc_time(t);
        out += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\">{}</text>\n",
            xx, dd.y0 + dd.h + 16, days >= 2 ? label.substr(0, 10) : label.substr(11));
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" "
                       "font-size=\"12\">time (UTC)</text>\n",
                       left + eq.w / 2, dd.y0 + dd.h + 36);

    for (std::size_t i = 0; i < curves.size(); ++i) {
        const char* colour = palette[i % std::size(palette)];
        std::string pts, dpts;
        double last_y = 0;
        for (std::size_t k = 0; k < curves[i].size(); ++k) {
            const double xx = eq.x(curves[i][k].ts_ms), yy = eq.y(curves[i][k].equity);
            if (k)
                pts +=
                    fmt::format(" {:.1f},{:.1f}", xx, last_y); // step: equity moves at closes only
            pts += fmt::format(" {:.1f},{:.1f}", xx, yy);
            last_y = yy;
        }
        double last_dy = 0;
        for (std::size_t k = 0; k < dds[i].size(); ++k) {
            const double xx = dd.x(dds[i][k].first), yy = dd.y(dds[i][k].second);
            if (k)
                dpts += fmt::format(" {:.1f},{:.1f}", xx, last_dy);
            dpts += fmt::format(" {:.1f},{:.1f}", xx, yy);
            last_dy = yy;
        }
        out += fmt::format(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", colour,
            pts);
        out += fmt::format(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.2\" points=\"{}\"/>\n", colour,
            dpts);
        const double ly = top + 10 + 22.0 * double(i);
        const double net = curves[i].back().equity - curves[i].front().equity;
        out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" "
                           "stroke=\"{3}\" stroke-width=\"3\"/>\n",
                           width - right + 15, ly, width - right + 40, colour);
        out += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">{} (net {:+.2f})</text>\n",
            width - right + 46, ly + 4, escape(runs[i].config.label), net);
    }
    out += "</svg>\n";
    return out;
}

} // namespace scalpel::backtest
