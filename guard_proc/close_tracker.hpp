// close_tracker: the whole exit of ONE position as a pure state machine. It owns the exit verdict
// (PH, max hold, manual), every close attempt (deterministic clOrdId, intent `c`, attempt n), every
// OCO attempt of the slot (intent `o`), the fills seen for them, and the takeover of a dead
// incarnation's exit. It never touches a socket, a clock, the segment or the heap: the service
// feeds events (answers, pushes, lookups, timers with the current monotonic time) and carries out
// the commands it emits. Sizes are whole lots of the instrument (exact integer arithmetic).
#pragma once

#include "shm_layout/types.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace scalpel::guard {

// ---- Order of operations for a bot-initiated close (PH, max hold, manual) ----------------------
// cancel_first (default, strategy.md): cancel the OCO, and send the market close only once the
//   OCO is known canceled (or absent); "51412" or an unclear answer is looked up first. A fired
//   OCO is then recorded instead of selling. Risk: the position has no exchange-side TP/SL for
//   one cancel round trip — but the guard is alive, holds the claim and sells right after; if the
//   guard dies in that gap, the next incarnation takes the claim over (pending reason in the slot)
//   and sells. No double close is possible by construction.
// sell_first: sell at once, cancel the OCO after the fill. Saves one round trip of exit latency,
//   but if the OCO fires in the gap (10 ms on loopback, seconds with a slow REST) the position is
//   sold twice whenever the account holds more of the base currency (on spot a second sell without
//   base fails with 51008, which is itself the signal); the excess is bought back (compensate).
// The exchange, not the guard, is the arbiter: exactly-one-close beats one round trip of latency.
enum class close_order : std::uint8_t { cancel_first, sell_first };

enum class channel : std::uint8_t { ws, rest };

struct tracker_settings {
    // Deadline carried by every close request (OKX `expTime`, REST header and WS op field): the
    // exchange discards a request that reaches its matching engine later (51149 / silent drop).
    std::chrono::milliseconds exp_time{3000};
    // The longest deadline any process gives a close (signal_proc's last resort sends with the
    // exchange's order deadline): a predecessor's close sent at its stamp can land no later than
    // stamp + this. Never below exp_time.
    std::chrono::milliseconds peer_exp_time{5000};
    // How long after a deadline an order lookup may still say "not found" for an order that did
    // land (OKX's order-detail lag). Only after deadline + lag does "not found" mean "absent".
    std::chrono::milliseconds lookup_lag{2000};
    std::chrono::milliseconds lookup_interval{500}; // between lookups of one unresolved order
    std::chrono::milliseconds retry_interval{1000}; // between close attempts after the first retry
    std::chrono::milliseconds cancel_retry{500};    // an OCO found live after a cancel: recancel
    std::chrono::milliseconds oco_grace{10000};     // after the entry fill, before we place an OCO
    // An OCO placement carries no expTime (OKX offers none for order-algo): a request the
    // exchange holds may land long after a lookup said "not found". So an OCO attempt is absent
    // only once this long has passed since its placement (or since we first saw its id) — never
    // after the short order lookup_lag. Measured in the chaos suite: an o000 held 5.5–8 s landed
    // after the guard had judged it absent 2 s after seeing it, and fired after our close filled.
    std::chrono::milliseconds oco_land_lag{10000};
    std::uint32_t max_close_attempts = 8; // then stuck: alert, keep the claim
    close_order order = close_order::cancel_first;
};

// ---- Events (what the service observed) ---------------------------------------------------------
enum class ev : std::uint8_t {
    open,             // bind a position: lots, known close/oco attempt counts (fresh = 0/…)
    takeover,         // we took a dead incarnation's claim: its attempts are unknown
    verdict,          // exit wanted (reason ph / time_limit / manual)
    timer,            // time passed (now)
    close_acked,      // attempt accepted (WS op reply sCode 0 / REST answer 0)
    close_rejected,   // attempt refused by the exchange or never handed over: terminal for that id
    close_unknown,    // attempt: transport error / timeout, the request may have landed
    order,            // push or lookup of attempt n (or the OCO child): status + cumulative fill
    order_absent,     // lookup: not found
    lookup_failed,    // a lookup (order or algo) got no answer: try again next interval
    algo,             // push or lookup of OCO attempt k: live / fired / gone
    algo_absent,      // lookup: OCO attempt k not found
    cancel_ok,        // cancel-algos accepted for attempt k
    cancel_ambiguous, // 51412: "cancellation timed out" or "already triggered": look it up
    oco_unknown,      // cancel or placement of OCO k: other error / no answer: look it up
    oco_placed,       // our replacement OCO k accepted
    oco_rejected,     // placement refused (terminal for the id)
};

inline constexpr std::uint32_t no_stored_oco = 0xffffffffu; // event::attempt of `open`

enum class order_status : std::uint8_t { live, partially_filled, filled, canceled };
enum class algo_status : std::uint8_t { live, fired, gone };

struct event {
    ev kind = ev::timer;
    std::chrono::nanoseconds now{}; // monotonic
    std::uint32_t attempt = 0;      // close attempt n / OCO attempt k
    bool child = false;             // order*: the OCO's child order, not a close attempt
    bool reverse = false;           // order: a compensation (opposite side) order
    bool insufficient = false;      // close_rejected: 51008-like (the base is gone: OCO fired?)
    order_status status = order_status::live;
    algo_status algo = algo_status::live;
    std::int64_t filled_lots = 0; // cumulative fill of that order
    double avg_px = 0;
    double fee_usd = 0;                                 // positive = paid
    shm::close_reason reason = shm::close_reason::none; // verdict; algo fired: tp / sl
    std::int64_t lots = 0;                              // open: position size in lots
    std::uint32_t close_attempts = 0;                   // open/takeover: close ids handed out
    std::uint32_t oco_attempts = 0;                     // open/takeover: OCO ids handed out
    std::chrono::nanoseconds age{}; // open: time since the entry fill (the OCO grace runs from it)
    bool settled = false; // open: earlier close ids are known terminal (benchmarks/tests only)
    // open/takeover: when the latest OCO request of the slot went out (the segment's stamp,
    // monotonic; 0 = unknown). An OCO attempt not known to have landed is absent only oco_land_lag
    // after it — a takeover does not restart that clock, a re-send under its id does.
    std::chrono::nanoseconds oco_sent{};
    // open/takeover: the same stamp for the slot's latest close request: a predecessor's close
    // attempt is past its deadline at stamp + peer_exp_time (without it: now + exp_time).
    std::chrono::nanoseconds close_sent{};
    // open: event::attempt is the OCO attempt whose ids the slot stores (no_stored_oco: none).
};

// ---- Commands (what the service must do) --------------------------------------------------------
enum class cmd : std::uint8_t {
    send_close_ws,   // attempt n, lots, deadline → op:order with expTime
    send_close_rest, // attempt n, lots, deadline → POST trade/order with expTime
    lookup_order,    // attempt n (or child) by clOrdId (ordId for the child); deadline = n's
    lookup_algo,     // OCO attempt k by algoClOrdId (algoId when stored)
    cancel_oco,      // OCO attempt k
    place_oco,       // OCO attempt k (reused id when k was never resolved as placed)
    record_close,    // reason, lots, avg_px, fee_usd, comp_*; attempt = the close that filled
                     // (child = true: only the OCO's child sold)
    compensate,      // attempt n, lots = the excess, opposite side, deadline
    alert,           // stuck: the exit cannot proceed without an operator
};

struct command {
    cmd kind = cmd::alert;
    std::uint32_t attempt = 0;
    bool child = false;
    std::int64_t lots = 0;
    std::chrono::nanoseconds deadline{}; // monotonic; expTime = wall now + (deadline − now)
    shm::close_reason reason = shm::close_reason::none;
    double avg_px = 0, fee_usd = 0;           // record_close: the closing fills
    std::int64_t comp_lots = 0;               // record_close: compensated excess
    double comp_avg_px = 0, comp_fee_usd = 0; // record_close: the compensation's fills
};

// ---- States -------------------------------------------------------------------------------------
enum class exit_state : std::uint8_t {
    idle,         // no position bound
    watching,     // open, no exit in progress: the tick path judges it
    cancelling,   // a cancel-algos answer is awaited
    checking_oco, // an OCO attempt's state is unknown: algo lookups
    closing,      // one close/compensation attempt in flight, before its deadline
    resolving,    // an attempt is past its deadline or unknown: order lookups until terminal
    oco_fill,     // the OCO fired: its child's outcome is awaited
    placing_oco,  // our replacement OCO's answer is awaited
    backoff,      // exit wanted: the next close attempt waits retry_interval
    closed,       // recorded (terminal)
    stuck,        // no way forward without an operator (alert sent); pushes still resolve it
};
[[nodiscard]] const char* to_string(exit_state s) noexcept;
[[nodiscard]] const char* to_string(cmd c) noexcept;

// ---- Transition table ---------------------------------------------------------------------------
// Every event first updates the facts (attempts, OCOs, fills); then the state's row decides. "D" is
// the decision rule below, applied to the facts; "-" means the event only updates facts and the
// state stays. Events not listed for a state update facts only.
//
//  state        | event                         | next / commands
//  -------------+-------------------------------+-------------------------------------------------
//  idle         | open                          | D (watching, or checking_oco for unknown OCOs)
//  idle/any¹    | takeover                      | D: every earlier attempt unknown (resolving);
//               |                               |    OCO land lags run from the slot's send stamp
//  watching     | verdict                       | D: cancel_first → cancel_oco (cancelling);
//               |                               |    sell_first or no OCO → send_close_ws (closing)
//  watching     | algo fired                    | D → oco_fill (lookup_order child)
//  watching     | algo gone / absent            | D → after oco_grace: place_oco (placing_oco)
//  watching     | timer                         | D (OCO placement once the grace has passed)
//  cancelling   | cancel_ok                     | D: OCO gone → send_close_ws (closing), or record
//  cancelling   | cancel_ambiguous, oco_unknown | D: OCO unknown → lookup_algo (checking_oco)
//  cancelling   | timer ≥ sent + exp_time       | D: no answer → OCO unknown (checking_oco)
//  checking_oco | algo live                     | D: exit wanted → cancel_oco after cancel_retry
//  checking_oco | algo fired                    | D → oco_fill
//  checking_oco | algo gone / absent²           | D → send close / record / watching
//  checking_oco | lookup_failed, timer          | - / lookup_algo again each lookup_interval
//  closing      | close_acked                   | - (wait for the fill until the deadline)
//  closing      | order filled                  | D: sold all → (sell_first) cancel_oco / record
//  closing      | order partially_filled        | -
//  closing      | order canceled (part filled)  | D: remainder → next attempt, other channel
//  closing      | close_rejected                | D: next attempt on the OTHER channel at once
//               |                               |    (rejected id is terminal → next id); if
//               |                               |    insufficient → lookup_algo first
//  closing      | close_unknown                 | D → resolving (lookup_order)
//  closing      | timer ≥ deadline              | D → resolving (lookup_order)
//  resolving    | order filled / canceled       | D (as in closing)
//  resolving    | order live / partially_filled | - (look up again next interval)
//  resolving    | order_absent                  | now ≥ deadline + lookup_lag: terminal, D;
//               |                               | earlier: - (look up again)
//  resolving    | lookup_failed, timer          | - / lookup_order again each lookup_interval
//  oco_fill     | order (child) filled          | D: sold ≥ lots → record (reason tp/sl); excess
//               |                               |    over lots → compensate (closing, reverse)
//  oco_fill     | order (child) canceled        | D: OCO gone, position held → exit/OCO again
//  oco_fill     | timer                         | lookup_order child each lookup_interval
//  placing_oco  | oco_placed                    | D → watching
//  placing_oco  | timer ≥ sent + exp_time       | D: no answer → OCO unknown (checking_oco)
//  placing_oco  | oco_rejected                  | D: id terminal → next id after oco_grace
//  placing_oco  | oco_unknown                   | D → checking_oco: lookup_algo k; absent after
//               |                               |    lag → re-place reusing the SAME id k
//  backoff      | timer ≥ retry time            | D → send the next close attempt (closing)
//  any          | open (slot refresh)           | new OCO attempts: the stored one presumed live,
//               |                               |    the others unknown (looked up); new close
//               |                               |    attempts (someone else's): unknown; a later
//               |                               |    OCO send stamp (a re-send) restarts the land
//               |                               |    lag of OCOs not known to have landed; D
//  placing_oco, | verdict                       | - : exit wanted, D waits for the OCO's answer,
//  checking_oco,|                               |    then cancels it (cancel_first) and sells
//  cancelling   |                               |
//  any          | verdict while exiting         | - (the first verdict's reason stands)
//  closed       | any                           | - (nothing is recorded before every attempt
//               |                               |    and every OCO is resolved, so none can fill)
//  stuck        | order / algo                  | D (a late outcome may unblock it)
// ¹ takeover is accepted in every state but closed: the attempts it names become unknown.
// ² an absent OCO is gone only after its last send + lag: lookup_lag for one known to have
//   landed, else max(lookup_lag, oco_land_lag) — algo placement has no expTime, a held request
//   may land late. The last send is the segment's stamp (event::oco_sent, raised by a re-send),
//   else the time we first saw the attempt.
//
// D, the decision rule, in priority order:
//  1. A close/compensation attempt not terminal: before its deadline and not reported unknown →
//     closing; otherwise → resolving (lookup_order each lookup_interval). NOTHING new is sent while
//     any attempt is unresolved: at most one attempt of a slot is ever in flight.
//  2. An OCO attempt unknown → checking_oco (lookup_algo); a cancel answer awaited → cancelling;
//     a placement answer awaited → placing_oco.
//  3. The OCO fired and its child is not terminal → oco_fill.
//  4. sold > lots (our fills + the OCO child − compensations) → compensate the excess.
//  5. sold ≥ lots → every OCO possibly live is cancelled first (cancelling); then record_close.
//  6. Exit wanted, position held: cancel_first and an OCO possibly live → cancel_oco (cancelling);
//     else send the next close attempt for the unsold lots: the first over WS; after a rejection or
//     an unanswered attempt on the other channel of the previous attempt; retries after the first
//     one wait retry_interval (backoff). More than max_close_attempts → alert (stuck).
//  7. No exit wanted: no OCO possibly live and oco_grace passed → place_oco (placing_oco);
//     else watching.
//
// Rejected vs unanswered: a REJECTED attempt never reached the book, its id is terminal and the
// next attempt (next id) goes out on the other channel at once. An UNANSWERED attempt (no ack by
// its deadline, transport error) may still be in flight or live: it is looked up until it is
// filled, canceled, or absent after deadline + lookup_lag (its expTime guarantees it can no longer
// land), and only then does the next attempt go out, on the other channel. "Not found" never means
// "never sent" before that point. After a takeover the predecessor's send times are unknown: its
// deadlines are taken from the slot's close send stamp + peer_exp_time (every request it sent
// carried an expTime ≤ that), or takeover time + exp_time when there is no stamp.
//
// Invariants (tests/guard_proc/close_tracker_test.cpp names a test after each): at most one close
// fills per position; nothing new is sent (close, compensation, replacement OCO) while an earlier
// attempt or OCO of the slot is unresolved; every close carries a deadline; a refused close goes
// out on the other channel at once under the next id; 51412 (and any unclear cancel answer) is
// looked up; an excess fill is compensated by exactly the excess; nothing is recorded while an OCO
// may still be live.
class close_tracker {
public:
    static constexpr std::size_t max_attempts = 16; // close + compensation attempts tracked
    static constexpr std::size_t max_ocos = 8;
    static constexpr std::size_t max_commands = 8;

    close_tracker() noexcept = default;
    explicit close_tracker(tracker_settings s) noexcept : s_(s) {}

    // Feeds one event; returns the commands to carry out now (valid until the next call).
    std::span<const command> on(const event& e) noexcept;

    [[nodiscard]] exit_state state() const noexcept { return state_; }
    // The tick path judges a position while no exit is wanted yet and no OCO fired (also while
    // an OCO is being placed or looked up: a verdict then waits for that answer, rule D).
    [[nodiscard]] bool judging() const noexcept {
        return want_ == shm::close_reason::none &&
               (state_ == exit_state::watching || state_ == exit_state::placing_oco ||
                state_ == exit_state::checking_oco || state_ == exit_state::cancelling);
    }
    // When the service must feed a timer event next (max() when nothing is due).
    [[nodiscard]] std::chrono::nanoseconds next_wakeup() const noexcept { return wake_; }
    [[nodiscard]] std::int64_t sold_lots() const noexcept; // close fills + OCO child − comp.
    [[nodiscard]] std::uint32_t close_attempts() const noexcept { return base_ + n_att_; }
    [[nodiscard]] std::uint32_t oco_attempts() const noexcept { return n_oco_; }
    [[nodiscard]] shm::close_reason exit_reason() const noexcept { return want_; }

private:
    enum class att_st : std::uint8_t { in_flight, acked, unknown, done };
    enum class oco_st : std::uint8_t {
        presumed_live, // placed by someone, not doubted
        live,
        unknown, // must be looked up before any decision that depends on it
        cancel_sent,
        place_sent, // our placement, answer awaited
        fired,
        gone
    };
    struct attempt_rec {
        att_st st = att_st::done;
        channel ch = channel::ws;
        bool reverse = false;
        bool rejected = false;
        std::chrono::nanoseconds deadline{};
        std::chrono::nanoseconds next_lookup{};
        std::int64_t filled = 0;
        double avg_px = 0, fee_usd = 0;
    };
    struct oco_rec {
        oco_st st = oco_st::gone;
        std::chrono::nanoseconds since{}; // placement or first sight (for "absent" + lag)
        std::chrono::nanoseconds next_lookup{};
        bool reusable = false; // found absent after the lag: a re-placement reuses this id
        // Known to have reached the book (stored in the slot, seen live, placed, cancelled): a
        // later "not found" cannot be a late landing, so the short lookup_lag applies to it.
        bool landed = false;
    };

    void absorb(const event& e) noexcept;
    void absorb_order(const event& e) noexcept;
    void absorb_algo(const event& e) noexcept;
    [[nodiscard]] static std::chrono::nanoseconds sent_or(const event& e) noexcept;
    [[nodiscard]] std::chrono::nanoseconds peer_deadline(const event& e) const noexcept;
    void resent(const event& e) noexcept;
    void decide(std::chrono::nanoseconds now) noexcept;
    [[nodiscard]] bool resolve_attempts(std::chrono::nanoseconds now) noexcept;
    [[nodiscard]] bool resolve_ocos(std::chrono::nanoseconds now) noexcept;
    [[nodiscard]] bool follow_child(std::chrono::nanoseconds now) noexcept;
    void finish(std::chrono::nanoseconds now) noexcept;
    void send_close(std::chrono::nanoseconds now) noexcept;
    void idle_decision(std::chrono::nanoseconds now) noexcept;
    void new_attempt(std::chrono::nanoseconds now, channel ch, bool reverse,
                     std::int64_t lots) noexcept;
    [[nodiscard]] bool oco_possibly_live() const noexcept;
    [[nodiscard]] std::uint32_t index_of(std::uint32_t attempt) const noexcept;
    void emit(const command& c) noexcept;
    void wake_at(std::chrono::nanoseconds t) noexcept;

    tracker_settings s_;
    exit_state state_ = exit_state::idle;
    shm::close_reason want_ = shm::close_reason::none;
    shm::close_reason oco_reason_ = shm::close_reason::none;
    std::int64_t lots_ = 0;
    std::array<attempt_rec, max_attempts> att_{};
    std::uint32_t n_att_ = 0;
    std::uint32_t base_ = 0; // attempt number of att_[0] (0 unless opened `settled`)
    std::array<oco_rec, max_ocos> oco_{};
    std::uint32_t n_oco_ = 0;
    // The OCO child order (one: only one OCO can fire while we hold the position).
    bool child_done = false;
    std::int64_t child_filled = 0;
    double child_px = 0, child_fee = 0;
    std::chrono::nanoseconds child_next_lookup{};
    std::chrono::nanoseconds opened_at_{}, next_send_{}, next_cancel_{}, next_oco_{};
    bool insufficient_ = false; // the last rejection said the base is gone: check the OCO first
    std::chrono::nanoseconds wake_ = std::chrono::nanoseconds::max();
    std::array<command, max_commands> out_{};
    std::size_t n_out_ = 0;
};

} // namespace scalpel::guard
