"""hedgexl: crypto hedges with inverse futures, from holdings files to Excel reports.

The command line."""

from __future__ import annotations

import argparse
import sys

from . import core
from .inputs import InputError, example_path, read_holdings


def cmd_hedge(args) -> int:
    """Print the hedge of a holdings file (the bundled example by default)."""
    if args.contracts:
        core.load_contracts(args.contracts)
    path = args.holdings or example_path()
    ratio = args.hedge_ratio
    if ratio is None:
        from .workbook.template import EXAMPLE_DEFAULT_HEDGE_RATIO
        ratio = 1.0 if args.holdings else EXAMPLE_DEFAULT_HEDGE_RATIO
    from .book import size_holdings
    from .book.notes import prepare_holdings
    h = read_holdings(path, default_hedge_ratio=ratio, decimal=args.decimal,
                      delimiter=_delimiter(args), strict_cells=args.strict_cells)
    h, notes, warnings = prepare_holdings(h, None, args.long_overlays)
    for line in notes:  # the file's and the cross-hedges' warnings, as report says them
        print(f"{'warning' if line in warnings else 'note'}: {line}", file=sys.stderr)
    s = size_holdings(h)
    value, notional, contracts, residual = s.value, s.notional, s.contracts, s.residual
    print(f"Hedge for {path}")
    print(f"{'asset':<6} {'quantity':>12} {'price USD':>12} {'value USD':>14} {'beta':>5} "
          f"{'ratio':>6} {'notional USD':>14} {'contract':<22} {'contracts':>11} "
          f"{'residual USD':>12}")
    for i in range(len(h)):
        print(f"{h.asset[i]:<6} {h.quantity[i]:>12,.4f} {h.price[i]:>12,.2f} "
              f"{value[i]:>14,.2f} {h.beta[i]:>5.2f} {h.hedge_ratio[i]:>6.0%} "
              f"{notional[i]:>14,.2f} {h.contract[i]:<22} {contracts[i]:>11,.3f} "
              f"{residual[i]:>12,.2f}")
    total, hedged = value.sum(), notional.sum()
    print(f"{'total':<6} {'':>12} {'':>12} {total:>14,.2f} {'':>5} {'':>6} "
          f"{hedged:>14,.2f}")
    from .book import COVERAGE_LABEL
    coverage = 0.0 if total == 0 else (hedged - residual.sum()) / total  # as the report's
    print(f"{COVERAGE_LABEL}: {coverage:.2%}")
    t = core.scenario(h.quantity, h.price, contracts, s.keys, [-0.3, -0.15, 0.15, 0.3],
                      beta=h.beta, hedge_price=s.hedge_price)
    print("\nIf the hedge's underlying moves (holdings move beta times as far):")
    print(f"{'move':>6} {'spot PnL USD':>15} {'hedge PnL USD':>15} {'net PnL USD':>15}")
    for row in t:
        print(f"{row[0]:>+6.0%} {row[2]:>15,.2f} {row[3]:>15,.2f} {row[4]:>15,.2f}")
    return 0


def cmd_docs(args) -> int:
    from . import udfs  # noqa: F401  (registers the functions)
    from .addin import reference
    if args.inputs:
        from .files import check_target, write_text
        from .inputs.schema import render
        out = check_target(args.output or "docs/inputs.md", force=args.force)
        print(f"wrote {write_text(out, render() + chr(10), force=args.force)}")
        return 0
    print(f"wrote {reference.write(args.output or 'docs/functions.md', force=args.force)}")
    return 0


def cmd_lite(args) -> int:
    from . import udfs  # noqa: F401
    from .addin import lite
    for p in lite.write(args.output, force=args.force):
        print(f"wrote {p}")
    print("Open Excel (Mac or web) > Add-ins > xlwings Lite; paste main.py into its editor and "
          "requirements.txt into its requirements tab, then restart. See README, 'macOS'.")
    return 0


def cmd_excel_setup(args) -> int:
    from .addin import setup
    return setup.setup(args.output, force=args.force)


def cmd_template(args) -> int:
    from pathlib import Path

    from .files import check_target
    from .workbook.template import build_template
    out = check_target(Path(args.output), force=args.force)
    print(f"wrote {build_template(out, mode=args.mode)}")
    return 0


def _report_options(args, **over):
    from .reports import ReportOptions
    kw = dict(funding=args.funding, prices=args.prices, contracts=args.contracts,
              template=getattr(args, "template", None), mode=getattr(args, "mode", "static"),
              force=args.force,
              default_hedge_ratio=args.hedge_ratio, decimal=args.decimal,
              delimiter=_delimiter(args), resume=getattr(args, "resume", False),
              valuation_date=args.valuation_date, positions=args.positions, band=args.band,
              tiers=args.tiers, portfolio=getattr(args, "portfolio", None),
              strict_cells=args.strict_cells, long_overlays=args.long_overlays,
              futures_prices=args.futures_prices, roll_days=args.roll_days)
    kw.update(over)
    if args.band and not args.positions:
        print("warning: --band is the no-trade band of the trades against --positions; "
              "without a positions file there are no trades, and it changes nothing",
              file=sys.stderr)
    if args.futures_prices and not args.positions:
        print("warning: --futures-prices is compared in the desk's carry section, which "
              "needs --positions; without them it changes nothing", file=sys.stderr)
    return ReportOptions(**kw)


def _refreshed(opts, args, holdings_paths=(), holdings_list=()):
    """``opts`` with fetched funding and prices when ``--refresh`` asks for them."""
    if not getattr(args, "refresh", False):
        return opts
    from .reports.refresh import refresh
    return refresh(opts, holdings_paths, holdings_list, api_base=args.api_base,
                   max_age=args.max_age)


def _check_summary(args, inputs) -> None:
    """--summary checked before any work: never an input, never anything but a file."""
    if getattr(args, "summary", None):
        from .files import check_target
        check_target(args.summary, inputs=inputs, force=True, flag="--summary")


def _finish(results, summary=None, inputs=()) -> int:
    from .reports import format_summary, write_summary
    print(format_summary(results))
    if summary:
        print(f"summary written to {write_summary(results, summary, inputs=inputs)}")
    failed = [r for r in results if not r.ok]
    if failed:
        print(f"{len(failed)} of {len(results)} portfolio(s) failed:", file=sys.stderr)
        for r in failed:
            print(f"  {r.portfolio} ({r.source}): {r.error}", file=sys.stderr)
    return 1 if failed else 0


def cmd_report(args) -> int:
    from pathlib import Path

    from .reports import ReportResult, report_file, write_summary
    from .files import OutputError
    opts = _refreshed(_report_options(args), args, [args.holdings])
    _check_summary(args, opts.inputs(args.holdings))
    try:
        r = report_file(args.holdings, Path(args.output), opts)
    except (InputError, OutputError, ValueError, FileExistsError) as e:
        r = ReportResult(Path(args.holdings).stem, args.holdings, None, False, error=str(e))
    for w in r.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not r.ok:  # one line; a summary, when asked for, still records the failure
        if args.summary:
            write_summary([r], args.summary, inputs=opts.inputs(args.holdings))
        print(f"hedgexl: error: {r.error}", file=sys.stderr)
        return 1
    print(f"wrote {r.path} ({args.mode})")
    return _finish([r], args.summary, opts.inputs(args.holdings))


def cmd_ticket(args) -> int:
    from pathlib import Path

    from .reports.ticket import format_ticket, ticket_book, write_ticket
    opts = _refreshed(_report_options(args, template=None, mode="static", resume=False), args,
                      [args.holdings])
    from .files import check_target
    check_target(args.output, inputs=opts.inputs(args.holdings), force=args.force)
    book = ticket_book(args.holdings, opts)
    print(format_ticket(book))
    carry = set(book.carry.missing)  # funding and carry: the report's, not the ticket's
    for line in book.notes:
        if line not in carry:
            print(f"note: {line}", file=sys.stderr)
    out = write_ticket(book, Path(args.output), inputs=opts.inputs(args.holdings),
                       force=args.force)
    print(f"wrote {out}")
    return 0


def cmd_batch(args) -> int:
    import os

    from .reports import discover, run_batch
    opts = _report_options(args)
    _check_summary(args, opts.inputs() + [("holdings file", args.input)])
    from .reports.batch import position_portfolios, unused_positions
    positions = position_portfolios(opts)  # read once: checked before and after the run
    jobs = discover(args.input, opts, positions)
    opts = _refreshed(opts, args, [j.source for j in jobs if j.holdings is None and
                                   not j.error], [j.holdings for j in jobs if j.holdings is not None])
    workers = args.workers
    cores = os.cpu_count() or 1
    if workers > cores:
        print(f"--workers {workers}: this machine has {cores} core(s); using {cores}",
              file=sys.stderr)
        workers = cores
    where = f"Dask at {args.scheduler}" if args.scheduler else f"{workers} worker(s)"
    print(f"{len(jobs)} portfolio(s) from {args.input} -> {args.output} "
          f"({args.mode}, {where})", file=sys.stderr)
    if args.scheduler:
        from .reports.cluster import run_batch_cluster
        results = run_batch_cluster(jobs, args.output, opts, args.scheduler,
                                    collect=args.collect)
    else:
        results = run_batch(jobs, args.output, opts, workers=workers)
    for w in unused_positions(results, positions, opts.positions):
        print(f"warning: {w}", file=sys.stderr)
    inputs = opts.inputs() + [("holdings file", j.source) for j in jobs]
    return _finish(results, args.summary, inputs)


def _clients(args):
    from .market import Clients

    def say(msg):
        print(f"note: {msg}", file=sys.stderr)
    return Clients(api_base=args.api_base, retries=args.retries, backoff=args.backoff,
                   on_retry=say)


def _check_output(args):
    """-o checked before any request (a fetch can take minutes)."""
    from .files import check_target
    check_target(args.output, force=args.force)


def _fetch_done(clients, warnings, out):
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {out} ({clients.requests} request(s))")
    return 0


def cmd_fetch_funding(args) -> int:
    from .inputs import read_funding_all
    from .market.fetch import funding_csv, write_checked
    from .market.progress import bars
    _check_output(args)
    clients, warnings = _clients(args), []
    text = funding_csv(args.contracts, args.since, args.until or _today(), clients=clients,
                       progress=bars(), warnings=warnings)
    out = write_checked(args.output, text, read_funding_all, force=args.force,
                        what="funding history")
    return _fetch_done(clients, warnings, out)


def cmd_fetch_prices(args) -> int:
    from .inputs import read_futures_prices, read_prices
    from .market.fetch import futures_csv, prices_csv, write_checked
    from .market.progress import bars
    dated = [a for a in args.assets if ":" in a]
    if dated and len(dated) < len(args.assets):
        raise ValueError("fetch prices: give coins (BTC ETH: spot closes, the --prices "
                         "layout) or dated futures (BINANCE:BTCUSD_240628: the "
                         "--futures-prices layout), not both in one file")
    _check_output(args)
    clients, warnings = _clients(args), []
    if dated:
        text = futures_csv(dated, args.since, args.until or _today(), clients=clients,
                           progress=bars(), warnings=warnings)
        out = write_checked(args.output, text, read_futures_prices, force=args.force,
                            what="futures prices")
    else:
        text = prices_csv(args.assets, args.since, args.until or _today(), clients=clients,
                          venue=args.venue, quote=args.quote, progress=bars(),
                          warnings=warnings)
        out = write_checked(args.output, text, read_prices, force=args.force, what="prices")
    return _fetch_done(clients, warnings, out)


def cmd_fetch_options(args) -> int:
    from .inputs.options import read_option_chain
    from .market.fetch import options_csv, write_checked
    _check_output(args)
    clients, warnings = _clients(args), []
    text = options_csv(args.coin, expiry=args.expiry, clients=clients, warnings=warnings)
    out = write_checked(args.output, text, read_option_chain, force=args.force,
                        what="option chain")
    return _fetch_done(clients, warnings, out)


def cmd_fetch_contracts(args) -> int:
    from pathlib import Path

    from .market.fetch import check_contracts, check_tiers, write_checked
    from .market.specs import contracts_csv, diff_specs, fetch_specs, tiers_csv
    _check_output(args)
    clients, notes = _clients(args), []
    specs, tiers = fetch_specs(args.venues, clients, extra=args.contract or (),
                               tiers=not args.no_tiers, notes=notes)
    out = Path(args.output)
    tiers_out = Path(args.tiers) if args.tiers else out.with_name(out.stem + "-tiers.csv")
    if tiers:  # both files are checked before either is written
        from .files import check_target
        check_target(tiers_out, force=args.force, flag="--tiers")
    write_checked(out, contracts_csv(specs), check_contracts, force=args.force,
                  what="contracts")
    print(f"wrote {out}: {len(specs)} contract(s); load it with --contracts {out}")
    if tiers:
        write_checked(tiers_out, tiers_csv(tiers), check_tiers, force=args.force,
                      what="margin tiers")
        print(f"wrote {tiers_out}: {len(tiers)} tier(s) of "
              f"{len({t['contract'] for t in tiers})} contract(s); load it with --tiers "
              f"{tiers_out}")
    changes = diff_specs(specs)
    print(f"against the bundled presets: {len(changes) or 'nothing'} changed"
          + (":" if changes else ""))
    for line in changes:
        print(f"  {line}")
    for n in notes:
        print(f"note: {n}", file=sys.stderr)
    print(f"({clients.requests} request(s))")
    return 0


def _today():
    import datetime as dt
    return dt.datetime.now(dt.timezone.utc).date()


#: The bundled example desk: holdings, positions on Binance (cross) and OKX (isolated), their
#: funding in the first half of 2024, valued at the last day of that history.
DEMO = {"holdings": "desk_holdings.csv", "positions": "desk_positions.csv",
        "funding": "funding_desk_2024h1.csv", "prices": "prices_2024.csv",
        "valuation_date": "2024-06-30", "band": 0.02}


def cmd_demo(args) -> int:
    import datetime as dt
    from pathlib import Path

    from .inputs import example_path
    from .reports import ReportOptions, report_file
    out = Path(args.output) / "example_desk.xlsx"
    opts = ReportOptions(funding=str(example_path(DEMO["funding"])),
                         prices=str(example_path(DEMO["prices"])),
                         positions=str(example_path(DEMO["positions"])), mode=args.mode,
                         force=args.force, band=DEMO["band"],
                         valuation_date=dt.date.fromisoformat(DEMO["valuation_date"]))
    r = report_file(example_path(DEMO["holdings"]), out, opts)
    print(f"wrote {r.path}: a {args.mode} report of the bundled example desk (holdings, and "
          f"positions on Binance and OKX, at {DEMO['valuation_date']}); open it in Excel or "
          f"LibreOffice: page 1 has today's trades, liquidation distances and carry")
    return _finish([r])


def cmd_options(args) -> int:
    from .reports.options import OptionsOptions, options_file
    opts = OptionsOptions(chain=args.chain, expiry=args.expiry, moneyness=args.moneyness,
                          put_delta=args.put_delta, funding=args.funding,
                          decimal=args.decimal, delimiter=_delimiter(args), force=args.force)
    if args.holdings is None and args.chain is None:
        print("hedgexl options: the bundled desk and Deribit's BTC options of 2025-12-05")
    pb, path = options_file(args.holdings, args.output, opts)
    print(f"chain of {pb.chain.time:%Y-%m-%d %H:%M} UTC; protection to "
          f"{pb.expiry:%Y-%m-%d %H:%M} UTC ({pb.years * 365:.0f} days)")
    for p in pb.holdings:
        for ch in p.choices:
            cost = f"{ch.cost_coin:,.4f} {p.asset} ({ch.cost_usd:,.0f} USD) today" \
                if ch.name != "perpetual" else "carry not known (--funding)" \
                if ch.carry_usd != ch.carry_usd else \
                f"carry to expiry {ch.carry_usd:+,.0f} USD (+ received)"
            print(f"  {p.asset:<6} {ch.name:<10} {'; '.join(ch.legs):<58} {cost}")
    for note in pb.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {path}")
    return 0


def cmd_backtest(args) -> int:
    from .reports.backtest import BacktestOptions, backtest_file
    from .core import STATS
    opts = BacktestOptions(
        prices=tuple(args.prices or ()), funding=args.funding, positions=args.positions,
        contracts=args.contracts, rebalance=args.rebalance, band=args.band,
        leverage=args.leverage, since=args.since and args.since.isoformat(),
        until=args.until and args.until.isoformat(), grid=args.grid,
        **({"ratios": tuple(args.ratios)} if args.ratios else {}),
        **({"rules": tuple(args.rules)} if args.rules else {}),
        decimal=args.decimal, delimiter=_delimiter(args), force=args.force,
        strict_cells=args.strict_cells, hedge_with=args.hedge_with,
        futures_prices=args.futures_prices, roll_days=args.roll_days)
    if args.holdings is None:
        print("hedgexl backtest: the bundled example (the desk's holdings, prices and funding "
              "of 2024 H1)")
    bb, path = backtest_file(args.holdings, args.output, opts)
    s = bb.stats()
    hist = bb.history
    print(f"{hist.dates[0]} to {hist.dates[-1]} ({len(hist.dates)} daily closes), "
          f"{len(bb.policies)} polic{'y' if len(bb.policies) == 1 else 'ies'}; "
          f"the book under {bb.policies[0].name}:")
    for key in ("end_unhedged_usd", "end_hedged_usd", "vol_unhedged", "vol_hedged",
                "variance_reduction", "drawdown_hedged", "funding_received_usd",
                "funding_paid_usd", "fees_usd", "trades", "liquidation_steps"):
        v = float(s[key][0])
        text = f"{v:.2%}" if key.startswith(("vol", "variance", "drawdown")) else f"{v:,.2f}" \
            if key.endswith("usd") else f"{v:,.0f}"
        print(f"  {STATS[key]:<44} {text:>16}")
    for note in hist.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {path}")
    return 0


def _add_input_options(p, *, what="report"):
    """The inputs every command that builds a portfolio's numbers reads."""
    p.add_argument("--funding", help="funding history CSV/XLSX (time, contract, mark "
                                     "price or close, funding rate)")
    p.add_argument("--prices", nargs="+", help="price history file(s): date,value per asset "
                                               "or a wide date,BTC,ETH,... table; blank "
                                               "betas are estimated from them")
    p.add_argument("--contracts", help="CSV of your own contract presets")
    p.add_argument("--tiers", help="CSV of your own margin tiers (hedgexl fetch contracts "
                                   "writes one)")
    p.add_argument("--refresh", action="store_true",
                   help="fetch the funding and prices this run needs from the venues first "
                        "(needs the data extra: pip install \".[data]\" from the checkout; cached on disk, see --max-age)")
    p.add_argument("--max-age", type=float, default=3600, metavar="SECONDS",
                   help="with --refresh, reuse data fetched less than this long ago "
                        "(default 3600)")
    p.add_argument("--api-base", metavar="URL", help="with --refresh, send the requests "
                                                     "to URL/HOST/PATH (a proxy or mirror)")
    p.add_argument("--hedge-ratio", type=_ratio, default=1.0,
                   help="hedge ratio for holdings that give none, 0 to 2 or 0%%..200%% "
                        "(default 1)")
    _add_dialect(p)
    p.add_argument("--valuation-date", type=_date, metavar="YYYY-MM-DD",
                   help=f"the {what}'s date (default: the latest date of --prices, else of "
                        f"--funding; today only when neither is given)")


def _add_report_options(p):
    _add_input_options(p)
    p.add_argument("--template", help="your customised copy of the template (.xlsx): its "
                                      "extra sheets, Dashboard title, logo and formulas are "
                                      "kept (see docs/workbook.md)")
    p.add_argument("--mode", choices=["static", "live"], default="static",
                   help="static: values and charts only (default); live: HEDGE_* formulas "
                        "with cached values")
    p.add_argument("--force", action="store_true", help="replace existing reports")
    p.add_argument("--summary", help="also write the totals table to this CSV")


def _add_portfolio_option(p):
    p.add_argument("--portfolio", metavar="NAME",
                   help="the portfolio to use, exactly as the input files' portfolio column "
                        "writes it (default: the holdings file's one portfolio, else its "
                        "file name)")


def _add_book_options(p):
    p.add_argument("--positions", help="the futures positions held, CSV/XLSX (account, "
                                       "contract, contracts, entry_price, margin or "
                                       "wallet_balance, leverage, mode, opened_at); the "
                                       "report then has trades, liquidation and carry")
    p.add_argument("--band", type=_band, default=0.0, metavar="PCT",
                   help="no-trade band: skip a trade smaller than this share of the "
                        "target, e.g. 5%% (default 0)")
    _add_overlay_option(p)
    p.add_argument("--roll-days", type=_days, default=7.0, metavar="N",
                   help="a dated future held this many days or fewer before it settles is "
                        "rolled into the next quarterly (default 7)")
    p.add_argument("--futures-prices", metavar="FILE",
                   help="prices of dated futures (time, contract, price): the carry section "
                        "compares their annualised basis with the perpetual's funding")


def _add_overlay_option(p):
    p.add_argument("--long-overlays", action="store_true",
                   help="a coin under its target_weight is bought with a long future (by "
                        "default it is only noted)")


def _delimiter(args):
    return {"tab": "\t"}.get(args.delimiter, args.delimiter)


def _add_dialect(p):
    p.add_argument("--strict-cells", action="store_true",
                   help="refuse input workbooks with hidden rows or columns or formula cells "
                        "in the table (default: read them and warn)")
    p.add_argument("--decimal", choices=[".", ","], metavar="MARK",
                   help="decimal mark of the CSV inputs: . or , (default: read from each "
                        "file; a European Excel saves 2,5)")
    p.add_argument("--delimiter", choices=[",", ";", "tab", "|"], metavar="SEP",
                   help="column separator of the CSV inputs: , ; tab or | (default: read "
                        "from each file)")


def _ranged(what: str, ok, says: str):
    """An argparse type: a number in hedgexl's grammar (``75%`` is 0.75) for which ``ok``
    holds, else ``says`` with what was given."""
    def parse(text: str) -> float:
        from .core.numbers import parse_number
        try:
            x = parse_number(text, what=what)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        if not ok(x):
            raise argparse.ArgumentTypeError(f"{says}, got {text}")
        return x
    return parse


#: --hedge-ratio: 0 to 2, as 0.75 or 75%; --band: 0 to 100 %; --moneyness: of the future.
_ratio = _ranged("the hedge ratio", lambda x: 0 <= x <= 2,
                 "must be between 0 and 2 (0% to 200%)")
_band = _ranged("the band", lambda x: 0 <= x < 1, "must be from 0 to under 100%")
_moneyness = _ranged("the moneyness", lambda x: 0.2 <= x <= 1.5,
                     "must be from 20% to 150% of the future")


def _date(text: str):
    import datetime as dt
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date such as 2025-01-16, got "
                                         f"{text!r}") from None


#: --leverage: 1 to 125; --roll-days (a report's roll flag): days from 0.
_leverage = _ranged("the leverage", lambda x: 1 <= x <= 125, "must be between 1 and 125")
_days = _ranged("the number of days", lambda x: 0 <= x < 3650,
                "must be a number of days from 0")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {n}")
    return n


def _add_fetch_options(p, *, since=True):
    if since:
        p.add_argument("--since", type=_date, required=True, metavar="YYYY-MM-DD",
                       help="first day (UTC)")
        p.add_argument("--until", type=_date, metavar="YYYY-MM-DD",
                       help="last day, included (default: today, UTC)")
    p.add_argument("-o", "--output", required=True, help="the CSV to write")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--api-base", metavar="URL",
                   help="send every request to URL/HOST/PATH instead of https://HOST/PATH "
                        "(a proxy or mirror of the venues' APIs)")
    p.add_argument("--retries", type=int, default=4, help="tries after a rate limit or an "
                                                          "outage (default 4)")
    p.add_argument("--backoff", type=float, default=1.0, help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    """The command line: one small function per subcommand, in the order --help lists
    them."""
    ap = argparse.ArgumentParser(prog="hedgexl", description=__doc__)
    ap.add_argument("--version", action="version", version=f"hedgexl {_version()}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_hedge_parser, _demo_parser, _report_parser, _ticket_parser, _batch_parser,
                _backtest_parser, _options_parser, _fetch_parser, _template_parser, _docs_parser, _lite_parser,
                _excel_parser):
        add(sub)
    return ap


def _hedge_parser(sub) -> None:
    """hedgexl hedge."""
    p = sub.add_parser("hedge", help="print the hedge of a holdings file "
                                     "(default: the bundled example portfolio)")
    p.add_argument("holdings", nargs="?", help="CSV or XLSX holdings file")
    p.add_argument("--contracts", help="CSV of your own contract presets")
    p.add_argument("--hedge-ratio", type=_ratio, default=None,
                   help="hedge ratio for holdings that give none (default 1; 0.5 for the "
                        "bundled example, as in the template)")
    _add_overlay_option(p)
    _add_dialect(p)
    p.set_defaults(func=cmd_hedge)


def _demo_parser(sub) -> None:
    """hedgexl demo."""
    p = sub.add_parser("demo", help="write a report of the bundled example desk (holdings and "
                                    "positions)")
    p.add_argument("-o", "--output", default="hedgexl-demo", help="folder (default: "
                                                                  "%(default)s)")
    p.add_argument("--mode", choices=["static", "live"], default="static",
                   help="static: values only (default); live: HEDGE_* formulas with cached "
                        "values")
    p.add_argument("--force", action="store_true", help="replace the report written before")
    p.set_defaults(func=cmd_demo)


def _report_parser(sub) -> None:
    """hedgexl report."""
    p = sub.add_parser("report", help="write one report from a holdings file")
    p.add_argument("holdings", help="holdings CSV or XLSX (asset, quantity, price; "
                                    "optional beta, hedge_ratio, contract)")
    p.add_argument("-o", "--output", required=True, help="the .xlsx report to write")
    _add_report_options(p)
    _add_book_options(p)
    _add_portfolio_option(p)
    p.set_defaults(func=cmd_report)


def _ticket_parser(sub) -> None:
    """hedgexl ticket."""
    p = sub.add_parser("ticket", help="write today's trades (target minus held, per account "
                                      "and contract) to a CSV")
    p.add_argument("holdings", help="holdings CSV or XLSX")
    p.add_argument("-o", "--output", required=True, help="the trades CSV to write")
    _add_input_options(p, what="ticket")
    p.add_argument("--force", action="store_true", help="replace an existing ticket")
    _add_book_options(p)
    _add_portfolio_option(p)
    p.set_defaults(func=cmd_ticket)


def _batch_parser(sub) -> None:
    """hedgexl batch."""
    p = sub.add_parser("batch", help="write one report per portfolio")
    p.add_argument("input", help="a folder of holdings files, or one file with a "
                                 "portfolio column")
    p.add_argument("-o", "--output", required=True, help="folder for the reports")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="parallel processes, at most the machine's cores (default 1)")
    p.add_argument("--resume", action="store_true",
                   help="keep the reports already complete in the output folder (after a "
                        "run that was stopped) and write the rest")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run on a Dask cluster (pip install \".[dask]\"); every worker must "
                        "reach -o at the same path, unless --collect; 'local' starts one "
                        "on this machine")
    p.add_argument("--collect", action="store_true",
                   help="with --scheduler: send each report back and write it here")
    _add_report_options(p)
    _add_book_options(p)
    p.set_defaults(func=cmd_batch)


def _backtest_parser(sub) -> None:
    """hedgexl backtest."""
    p = sub.add_parser("backtest", help="what a hedge policy would have done over a price "
                                        "and funding history (default: the bundled example)")
    p.add_argument("holdings", nargs="?", help="holdings CSV or XLSX (hedge ratio and contract "
                                               "per holding); default the bundled example")
    p.add_argument("-o", "--output", default="backtest.xlsx",
                   help="the workbook to write (default: %(default)s)")
    p.add_argument("--prices", nargs="+", help="daily prices of the holdings and of the "
                                               "contracts' coins (date,value per asset or a "
                                               "wide date,BTC,ETH,... table)")
    p.add_argument("--funding", help="funding histories of the contracts (time, contract, "
                                     "mark price, funding rate)")
    p.add_argument("--positions", help="futures held at the start (opened on or before the "
                                       "first date)")
    p.add_argument("--contracts", help="CSV of your own contract presets (fees, lots)")
    p.add_argument("--rebalance", choices=["daily", "weekly", "monthly"], default="weekly",
                   help="when the hedge may trade (default: %(default)s, on Mondays)")
    p.add_argument("--band", type=_band, default=0.0, metavar="PCT",
                   help="trade only when the hedge is more than this far from its target, "
                        "e.g. 10%% (default 0: whenever it is off)")
    p.add_argument("--leverage", type=_leverage, default=2.0,
                   help="initial margin posted at each trade, as leverage (default "
                        "%(default)s)")
    p.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="first date")
    p.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="last date")
    p.add_argument("--grid", action="store_true",
                   help="also run hedge ratios x rebalance rules and tabulate them")
    p.add_argument("--ratios", nargs="+", type=_ratio, metavar="H",
                   help="the grid's hedge ratios (default 0 25%% 50%% 75%% 100%%)")
    p.add_argument("--rules", nargs="+", metavar="RULE",
                   help="the grid's rules: daily, weekly, monthly, each with an optional "
                        "band as daily:10%% (default daily weekly monthly daily:10%%)")
    _add_dated_backtest_options(p)
    p.add_argument("--force", action="store_true", help="replace an existing workbook")
    _add_dialect(p)
    p.set_defaults(func=cmd_backtest)


def _add_dated_backtest_options(p):
    p.add_argument("--hedge-with", choices=["perpetual", "dated"], default="perpetual",
                   help="hedge on each holding's perpetual (default), or on that venue's "
                        "and coin's dated quarterlies, rolled before expiry (no funding; "
                        "needs --futures-prices)")
    p.add_argument("--futures-prices", metavar="FILE",
                   help="with --hedge-with dated: the quarterlies' daily prices (time, "
                        "contract, price; hedgexl fetch prices VENUE:SYMBOL writes them)")
    p.add_argument("--roll-days", type=_positive_int, metavar="N",
                   help="with --hedge-with dated: roll into the next quarterly N days "
                        "before expiry, 1 to 90 (default 7)")


def _options_parser(sub) -> None:
    """hedgexl options."""
    p = sub.add_parser("options", help="a put and a collar on Deribit's coin-settled options "
                                       "beside the perpetual hedge, per holding: cost, margin "
                                       "and value at expiry (default: the bundled desk and "
                                       "BTC chain of 2025-12-05)")
    p.add_argument("holdings", nargs="?", help="holdings CSV or XLSX; default the bundled "
                                               "desk")
    p.add_argument("--chain", metavar="FILE", help="an option chain (Deribit's fields, or "
                                                   "hedgexl fetch options); default the "
                                                   "bundled BTC chain of 2025-12-05")
    p.add_argument("-o", "--output", default="options.xlsx",
                   help="the workbook to write (default: %(default)s)")
    p.add_argument("--expiry", metavar="DATE", help="the expiry to protect to, as 27MAR26 or "
                                                    "2026-03-27 (default: the one nearest 90 "
                                                    "days out)")
    pick = p.add_mutually_exclusive_group()
    pick.add_argument("--moneyness", type=_moneyness, default=0.9, metavar="PCT",
                      help="the put's strike as a share of the future, e.g. 90%% (default)")
    pick.add_argument("--put-delta", type=_put_delta, metavar="D",
                      help="choose the put by its Black delta instead, written "
                           "--put-delta=-0.25")
    p.add_argument("--funding", metavar="FILE",
                   help="the perpetuals' recent funding: the perpetual's carry to expiry at "
                        "its 30-day average")
    p.add_argument("--force", action="store_true", help="replace an existing workbook")
    _add_dialect(p)
    p.set_defaults(func=cmd_options)


_put_delta = _ranged("a put's delta", lambda x: -1 < x < 0, "a put's delta is from -1 to 0")


def _fetch_parser(sub) -> None:
    """hedgexl fetch."""
    p = sub.add_parser("fetch", help="fetch prices, funding histories, option chains or "
                                     "contract specs "
                                     "from the venues (needs the data extra: pip install \".[data]\")")
    fsub = p.add_subparsers(dest="fetch_command", metavar="WHAT", required=True)
    s = fsub.add_parser("prices", help="daily closes of coins (the layout --prices reads) or "
                                       "of dated futures (the layout --futures-prices reads)")
    s.add_argument("assets", nargs="+", metavar="ASSET",
                   help="BTC, ETH, ... (spot), or dated futures as VENUE:SYMBOL, e.g. "
                        "BINANCE:BTCUSD_240628 DERIBIT:ETH-29MAR24")
    s.add_argument("--venue", default="BINANCE", help="the spot venue (default BINANCE)")
    s.add_argument("--quote", default="USDT", help="quote currency of the spot pair "
                                                   "(default USDT; USD on KRAKEN)")
    _add_fetch_options(s)
    s.set_defaults(func=cmd_fetch_prices)
    s = fsub.add_parser("funding", help="funding histories with the mark price at each "
                                        "funding, in the layout --funding reads")
    s.add_argument("contracts", nargs="+", metavar="CONTRACT",
                   help="VENUE:SYMBOL, e.g. BINANCE:BTCUSD_PERP OKX:BTC-USD-SWAP")
    _add_fetch_options(s)
    s.set_defaults(func=cmd_fetch_funding)
    s = fsub.add_parser("options", help="Deribit's option chain of a coin now (marks in the "
                                        "coin, each expiry's future, the index), in the "
                                        "layout hedgexl options --chain reads")
    s.add_argument("coin", choices=["BTC", "ETH"], type=str.upper,
                   help="BTC or ETH (Deribit's coin-settled options)")
    s.add_argument("--expiry", metavar="DDMMMYY", help="only this expiry, e.g. 27MAR26")
    _add_fetch_options(s, since=False)
    s.set_defaults(func=cmd_fetch_options)
    s = fsub.add_parser("contracts", help="contract presets and margin tiers from the venues' "
                                          "market lists; prints what changed against the "
                                          "bundled presets")
    s.add_argument("venues", nargs="+", metavar="VENUE",
                   help="BINANCE BYBIT OKX DERIBIT KRAKEN (the bundled presets of each)")
    s.add_argument("--contract", action="append", metavar="VENUE:SYMBOL",
                   help="also this contract (repeat the flag for more)")
    s.add_argument("--tiers", metavar="FILE", help="where the margin tiers go (default: "
                                                   "beside -o, named OUTPUT-tiers.csv)")
    s.add_argument("--no-tiers", action="store_true", help="skip the margin tiers")
    _add_fetch_options(s, since=False)
    s.set_defaults(func=cmd_fetch_contracts)


def _template_parser(sub) -> None:
    """hedgexl template."""
    p = sub.add_parser("template", help="write the template workbook (bundled example)")
    p.add_argument("-o", "--output", default="hedge_template.xlsx")
    p.add_argument("--mode", choices=["live", "static"], default="live",
                   help="live: HEDGE_* formulas with cached values (default); static: "
                        "values only")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_template)


def _docs_parser(sub) -> None:
    """hedgexl docs."""
    p = sub.add_parser("docs", help="regenerate docs/functions.md from the docstrings (or "
                                    "docs/inputs.md from the input files' declared columns)")
    p.add_argument("-o", "--output", help="default docs/functions.md (docs/inputs.md with "
                                          "--inputs)")
    p.add_argument("--inputs", action="store_true",
                   help="write the input files' reference instead")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_docs)


def _lite_parser(sub) -> None:
    """hedgexl lite."""
    p = sub.add_parser("lite", help="write main.py and requirements.txt for xlwings Lite")
    p.add_argument("-o", "--output", default="hedgexl-lite", help="folder (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="replace existing files")
    p.set_defaults(func=cmd_lite)


def _excel_parser(sub) -> None:
    """hedgexl excel."""
    p = sub.add_parser("excel", help="desktop Excel integration")
    xsub = p.add_subparsers(dest="excel_command", metavar="STEP", required=True)
    s = xsub.add_parser("setup", help="configure xlwings, install its add-in (Windows) and "
                                      "write hedge_functions.xlsm")
    s.add_argument("-o", "--output", default=".", help="folder for the .xlsm")
    s.add_argument("--force", action="store_true", help="replace an existing .xlsm")
    s.set_defaults(func=cmd_excel_setup)


#: Which extra brings a package that a command imports (pyproject.toml).
EXTRAS = {"openpyxl": "reports", "xlsxwriter": "reports", "tqdm": "reports",
          "defusedxml": "reports", "pycel": "reports", "python_calamine": "reports",
          "xlwings": "excel", "ccxt": "data", "dask": "dask", "distributed": "dask"}


def _version():
    from . import __version__
    return __version__


def main(argv=None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if not getattr(args, "func", None):
        ap.print_help()
        return 2
    try:
        return args.func(args)
    except (InputError, ValueError, FileExistsError) as e:  # MarketError is a ValueError
        print(f"hedgexl: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hedgexl: stopped; reports already written are complete (use --resume to "
              "keep them)", file=sys.stderr)
        return 130
    except ModuleNotFoundError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None:
            raise
        print(f"hedgexl: error: `hedgexl {args.command}` needs {e.name}, which comes with "
              f"the {extra} extra: pip install \".[{extra}]\" in the hedgexl checkout "
              f"(hedgexl is not on PyPI)", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head and the like
        return 1
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"hedgexl: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    except Exception as e:  # no traceback reaches a user; HEDGEXL_DEBUG=1 shows it
        import os
        if os.environ.get("HEDGEXL_DEBUG"):
            raise
        print(f"hedgexl: error: {_unexpected(e)}", file=sys.stderr)
        return 1


def _unexpected(e: Exception) -> str:
    """One line for an error no handler above expects: the writer's (a folder it cannot
    create a file in), or a bug, which the line asks to report."""
    from .files import target_of
    cause = e.__cause__ or e.__context__
    if isinstance(cause, OSError):  # the writer's (xlsxwriter's FileCreateError)
        where = f"cannot write {target_of(cause.filename)}: " if cause.filename else ""
        return f"{where}{cause.strerror or cause}"
    text = str(e).splitlines()[0][:200] if str(e) else ""
    return (f"{type(e).__name__}{': ' + text if text else ''} (unexpected; run again with "
            f"HEDGEXL_DEBUG=1 for the details, and please report it)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
