"""Webhook subscriptions, their dead letters and replay (回调推送), for bureau officers over their subtree."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from domain import webhooks
from domain.errors import InvalidInput
from domain.paging import page_size
from domain.webhooks import DeliveryStatus as _DeliveryStatus
from domain.webhooks import DeliveryView, SubscriptionView
from domain.webhooks import WebhookAudience as _WebhookAudience
from schema.context import Context, parse_uuid
from schema.enums import labelled
from schema.feed import EventType

WebhookAudience = labelled(_WebhookAudience, name="WebhookAudience",
                                  description="Which form of the change feed a webhook receives: BUREAU (what "
                                  "the region's officers see) or PUBLIC (published items and their end, public form).")
DeliveryStatus = labelled(_DeliveryStatus, name="WebhookDeliveryStatus",
                                 description="PENDING (being tried), DELIVERED (answered 2xx), DEAD (given up).")


@strawberry.type(name="WebhookSubscription", description="回调订阅: an endpoint receiving signed events of a region.")
class WebhookSubscriptionType:
    id: strawberry.ID
    region_code: str
    audience: WebhookAudience  # type: ignore[valid-type]
    url: str
    types: list[EventType] | None = strawberry.field(  # type: ignore[valid-type]
        description="The event types sent; null: every type the scope sees.")
    description: str
    active: bool
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, v: SubscriptionView) -> WebhookSubscriptionType:
        return cls(id=strawberry.ID(str(v.id)), region_code=v.region_code, audience=v.audience, url=v.url,
                   types=v.types, description=v.description, active=v.active, created_by=v.created_by,
                   created_at=v.created_at)


@strawberry.type(description="A new subscription and its signing secret, shown only this once.")
class CreatedWebhookSubscription:
    subscription: WebhookSubscriptionType
    secret: str = strawberry.field(description="Verify X-Yibao-Signature with it: t=<ts>,v1=hex(HMAC-SHA256("
                                   "secret, \"<ts>.<body>\")).")


@strawberry.type(name="WebhookDelivery", description="回调投递: one event sent to one subscription.")
class WebhookDeliveryType:
    id: strawberry.ID
    subscription_id: strawberry.ID
    url: str
    position: int = strawberry.field(description="The event's position in the change feed.")
    idempotency_key: str = strawberry.field(description="X-Yibao-Idempotency-Key: the same on every attempt.")
    region_code: str
    event_type: EventType  # type: ignore[valid-type]
    status: DeliveryStatus  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: datetime
    last_status: int | None = strawberry.field(description="The receiver's last HTTP status; null: no answer.")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    replays: int

    @classmethod
    def of(cls, v: DeliveryView) -> WebhookDeliveryType:
        return cls(id=strawberry.ID(str(v.id)), subscription_id=strawberry.ID(str(v.subscription_id)), url=v.url,
                   position=v.position, idempotency_key=f"{v.position}:{v.subscription_id}",
                   region_code=v.region_code, event_type=v.event_type, status=v.status, attempts=v.attempts,
                   next_attempt_at=v.next_attempt_at, last_status=v.last_status, last_error=v.last_error,
                   created_at=v.created_at, delivered_at=v.delivered_at, dead_at=v.dead_at, replays=v.replays)


def _delivery_id(id: strawberry.ID) -> int:
    if not str(id).isdigit():
        raise InvalidInput("投递编号应为数字。", field="id")
    return int(id)


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="回调订阅: the webhook subscriptions of your subtree (or of `regionCode`).")
    async def webhook_subscriptions(self, info: Info[Context, None],
                                    region_code: str | None = None) -> list[WebhookSubscriptionType]:
        ctx = info.context
        views = await webhooks.list_subscriptions(session=await ctx.session(), access=ctx.access,
                                                  region_code=region_code)
        return [WebhookSubscriptionType.of(v) for v in views]

    @strawberry.field(description="死信: deliveries given up after their last attempt, newest first; replay them "
                      "with replayWebhookDelivery once the receiver is fixed.")
    async def dead_webhook_deliveries(self, info: Info[Context, None], region_code: str | None = None,
                                      first: int | None = 50) -> list[WebhookDeliveryType]:
        ctx = info.context
        views = await webhooks.dead_deliveries(session=await ctx.session(), access=ctx.access,
                                               region_code=region_code,
                                               first=page_size(first, default=50, maximum=ctx.max_page_size))
        return [WebhookDeliveryType.of(v) for v in views]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register a webhook endpoint for a region in your subtree; it receives, signed, "
                         "each event committed from now on that its audience may see.")
    async def create_webhook_subscription(self, info: Info[Context, None], region_code: str, url: str,
                                          audience: WebhookAudience = _WebhookAudience.BUREAU,  # type: ignore[valid-type]
                                          types: list[EventType] | None = None,  # type: ignore[valid-type]
                                          description: str = "") -> CreatedWebhookSubscription:
        ctx = info.context
        view, secret = await webhooks.create_subscription(session=await ctx.session(), access=ctx.access,
                                                          region_code=region_code, url=url, audience=audience,
                                                          types=types, description=description)
        return CreatedWebhookSubscription(subscription=WebhookSubscriptionType.of(view), secret=secret)

    @strawberry.mutation(description="Stop a webhook subscription: nothing more is sent to it.")
    async def deactivate_webhook_subscription(self, info: Info[Context, None],
                                              id: strawberry.ID) -> WebhookSubscriptionType:
        ctx = info.context
        view = await webhooks.deactivate_subscription(session=await ctx.session(), access=ctx.access,
                                                      id=parse_uuid(id, field="id"))
        return WebhookSubscriptionType.of(view)

    @strawberry.mutation(description="重新投递: send a dead-lettered delivery again, with fresh attempts and the "
                         "same idempotency key.")
    async def replay_webhook_delivery(self, info: Info[Context, None], id: strawberry.ID) -> WebhookDeliveryType:
        ctx = info.context
        view = await webhooks.replay_delivery(session=await ctx.session(), access=ctx.access, id=_delivery_id(id))
        return WebhookDeliveryType.of(view)
