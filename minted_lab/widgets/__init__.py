"""ipywidgets views over the client and the trading workflow: SellForm, BuyForm, OrdersExplorer, PriceBoard.

Each is a class whose state lives in plain attributes and whose actions are methods, so a test
drives it without a browser (``form.amount.value = "250"; form.quote_button.click()``) and a
notebook cell ending with the object shows it.
"""

from minted_lab.widgets._common import live_threads
from minted_lab.widgets._view import ENVIRONMENT_COLOURS, environment_badge
from minted_lab.widgets.orders_explorer import OrdersExplorer
from minted_lab.widgets.price_board import PriceBoard
from minted_lab.widgets.sell_form import BuyForm, SellForm, TicketForm

__all__ = [
    "ENVIRONMENT_COLOURS",
    "BuyForm",
    "OrdersExplorer",
    "PriceBoard",
    "SellForm",
    "TicketForm",
    "environment_badge",
    "live_threads",
]
