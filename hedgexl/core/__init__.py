"""hedgexl.core: the hedging math, numpy in and numpy out. Imports nothing from Excel."""

from .pnl import (UNITS, avg_entry, funding_payments, funding_series, funding_total,
                  futures_pnl, inverse_pnl, linear_pnl, net_pnl, net_pnl_breakdown,
                  trading_fee)
from .margin import (bankruptcy_price, initial_margin, liquidation_distance,
                     liquidation_price, maintenance_margin, margin, position_value)
from .risk import (basis, beta, ewma_beta, hedge_effectiveness, min_variance_hedge_ratio,
                   mv_weights, price_returns, rolling_beta)
from .backtest import (BACKTEST_COLUMNS, STATS, Backtest, backtest_stats, drawdowns,
                       hedge_backtest, rebalance_schedule)
from .scenarios import DEFAULT_SHOCKS, SCENARIO_COLUMNS, scenario
from .sizing import (beta_size, hedge_contracts, hedge_notional, hedge_residual, hedge_size,
                     rebalance_contracts, round_to_lot, weight_hedge_contracts)
from .contracts import (STABLECOINS, ContractSpec, all_contracts, contract_keys,
                        days_to_expiry, expiry_of, get_contract, is_stable, load_contracts,
                        next_quarterly, own_contract, reset_contracts,
                        first_quarterly)
from .options import (GREEKS, OPTION_KINDS, OPTION_UNITS, implied_vol, option_greeks,
                      option_payoff, option_price, option_scenario, short_option_margin)
from .tiers import TierError, Tiers, load_tiers, reset_tiers, tiers_of

__all__ = [
    "UNITS", "avg_entry", "funding_payments", "funding_series", "funding_total", "futures_pnl",
    "inverse_pnl", "linear_pnl", "net_pnl", "net_pnl_breakdown", "trading_fee",
    "basis", "bankruptcy_price", "beta", "hedge_effectiveness", "initial_margin",
    "liquidation_price", "liquidation_distance", "maintenance_margin", "margin",
    "position_value", "min_variance_hedge_ratio", "price_returns", "mv_weights",
    "rolling_beta", "ewma_beta", "BACKTEST_COLUMNS", "STATS", "Backtest", "backtest_stats",
    "hedge_backtest", "rebalance_schedule", "drawdowns",
    "DEFAULT_SHOCKS", "SCENARIO_COLUMNS", "scenario",
    "beta_size", "hedge_contracts", "hedge_notional", "hedge_residual", "hedge_size",
    "rebalance_contracts", "round_to_lot", "weight_hedge_contracts",
    "ContractSpec", "all_contracts", "contract_keys", "get_contract", "load_contracts",
    "own_contract", "reset_contracts", "TierError", "Tiers", "load_tiers", "reset_tiers",
    "tiers_of", "STABLECOINS", "is_stable", "expiry_of", "days_to_expiry", "next_quarterly",
    "first_quarterly", "option_price", "option_greeks", "implied_vol", "GREEKS",
    "option_payoff", "short_option_margin", "option_scenario",
    "OPTION_KINDS", "OPTION_UNITS",
]
