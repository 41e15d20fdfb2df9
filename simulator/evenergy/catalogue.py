"""The API root, the vehicle catalogue and the users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .choices import ME, ROOT_COLLECTIONS
from .context import Ctx, Reply
from .paging import Page, id_cursor
from .problems import not_found, user_required
from .render import (
    MAKE_EXPANDS,
    MODEL_EXPANDS,
    TRIM_EXPANDS,
    USER_EXPANDS,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .model import User


async def root(ctx: Ctx) -> Reply:
    """``GET /v2/``: the collection URLs."""
    return Reply({name: ctx.view.urls.collection(name) for name in ROOT_COLLECTIONS})


def _ordered[T](ctx: Ctx, items: Sequence[T], name: Callable[[T], str]) -> list[T]:
    """``ordering=name|-name``; otherwise ID order (unknown values ignored)."""
    ordering = ctx.query.get("ordering")
    if ordering in ("name", "-name"):
        return sorted(items, key=name, reverse=ordering == "-name")
    return list(items)


def _listing[T](
    ctx: Ctx,
    items: Sequence[T],
    key: Callable[[T], str],
    render: Callable[[T], dict[str, Any]],
) -> Reply:
    chosen, link = Page(items, key, id_cursor).render(ctx.request.url, ctx.query, str)
    return Reply([render(item) for item in chosen], headers={"Link": link})


async def list_trims(ctx: Ctx) -> Reply:
    """``GET /v2/vehicle_trims`` (custom trims are hidden)."""
    tree = ctx.expand(TRIM_EXPANDS)
    model_id = ctx.query.get("model_id")
    trims = sorted(
        (
            trim
            for trim in ctx.provider.catalogue.trims.values()
            if not trim.hidden and model_id in (None, trim.model_id)
        ),
        key=lambda trim: trim.id,
    )
    trims = _ordered(ctx, trims, lambda trim: trim.name)
    return _listing(ctx, trims, lambda t: t.id, lambda t: ctx.view.trim(t, tree))


async def get_trim(ctx: Ctx) -> Reply:
    """``GET /v2/vehicle_trims/{id}``."""
    tree = ctx.expand(TRIM_EXPANDS)
    trim = ctx.provider.catalogue.trims.get(ctx.params["trim_id"])
    if trim is None:
        raise not_found()
    return Reply(ctx.view.trim(trim, tree))


async def list_models(ctx: Ctx) -> Reply:
    """``GET /v2/vehicle_models`` (no authentication needed)."""
    tree = ctx.expand(MODEL_EXPANDS)
    make_id = ctx.query.get("make_id")
    models = sorted(
        (
            model
            for model in ctx.provider.catalogue.models.values()
            if make_id in (None, model.make_id)
        ),
        key=lambda model: model.id,
    )
    models = _ordered(ctx, models, lambda model: model.name)
    return _listing(ctx, models, lambda m: m.id, lambda m: ctx.view.model(m, tree))


async def get_model(ctx: Ctx) -> Reply:
    """``GET /v2/vehicle_models/{id}``."""
    tree = ctx.expand(MODEL_EXPANDS)
    model = ctx.provider.catalogue.models.get(ctx.params["model_id"])
    if model is None:
        raise not_found()
    return Reply(ctx.view.model(model, tree))


async def list_makes(ctx: Ctx) -> Reply:
    """``GET /v2/vehicle_makes`` (no authentication needed)."""
    ctx.expand(MAKE_EXPANDS)
    makes = sorted(ctx.provider.catalogue.makes.values(), key=lambda make: make.id)
    makes = _ordered(ctx, makes, lambda make: make.name)
    return _listing(ctx, makes, lambda m: m.id, ctx.view.make)


async def get_make(ctx: Ctx) -> Reply:
    """``GET /v2/vehicle_makes/{id}``."""
    ctx.expand(MAKE_EXPANDS)
    make = ctx.provider.catalogue.makes.get(ctx.params["make_id"])
    if make is None:
        raise not_found()
    return Reply(ctx.view.make(make))


# ---------------------------------------------------------------------- users
def _visible_users(ctx: Ctx) -> list[User]:
    """An auth-code token sees its user; client credentials see every user."""
    token = ctx.token
    users = ctx.provider.users
    if token is not None and token.user_id is not None:
        own = users.get(token.user_id)
        return [own] if own is not None else []
    return sorted(users.values(), key=lambda user: user.id)


async def list_users(ctx: Ctx) -> Reply:
    """``GET /v2/users``."""
    ctx.expand(USER_EXPANDS)
    email = ctx.query.get("email")
    users = [
        user
        for user in _visible_users(ctx)
        if email is None or user.email.lower() == email.lower()
    ]
    return _listing(ctx, users, lambda u: u.id, ctx.view.user)


async def get_user(ctx: Ctx) -> Reply:
    """``GET /v2/users/{id}`` (``me`` is the acting user: SIM CHOICE)."""
    ctx.expand(USER_EXPANDS)
    wanted = ctx.params["user_id"]
    if wanted == ME:
        if ctx.user is None:
            raise user_required()
        return Reply(ctx.view.user(ctx.user, single=True))
    for user in _visible_users(ctx):
        if user.id == wanted:
            return Reply(ctx.view.user(user, single=True))
    raise not_found()
