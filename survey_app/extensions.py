"""Extensions shared by blueprints (created here, initialised in the factory)."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager

# The limiter keeps a client's address only inside its counting window
# (memory, or Redis with expiry when REDIS_URL is set); nothing is written to the database.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

login_manager = LoginManager()
login_manager.login_view = "inspect.sign_in"
login_manager.session_protection = "strong"
