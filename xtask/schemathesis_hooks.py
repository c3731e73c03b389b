"""Schemathesis hooks for `cargo xtask schemathesis`.

`opening_hours` is documented as `format: opening-hours`: OpenStreetMap
syntax, or hours as people write them. A JSON Schema cannot state that
grammar, so positive examples are drawn from texts the server reads.
"""

import schemathesis
from hypothesis import strategies as st

HOURS = [
    "24/7",
    "Mo-Fr 08:00-18:00",
    "Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00; PH off",
    "每天 6:00-22:00",
    "周一至周五 8:00-18:00，周六日 9:00-17:00",
    "工作日 8:30-17:30，节假日除外",
    "全天开放",
    "Mon-Fri 9am-5pm",
]

schemathesis.openapi.format("opening-hours", st.sampled_from(HOURS))


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """The stateful phase infers links from a toilet's or a user's `org_id`
    to `/api/v1/orgs/{id}`; where `org_id` is null (a toilet of no
    organisation, an admin) it would send the text "None", which the
    link's target does not take (its schema says a positive integer): that
    tests Schemathesis's inference, not the API. Such an id is replaced by
    one no organisation has, which must answer 404."""
    params = case.path_parameters or {}
    for name, value in params.items():
        if value is None or value == "None":
            params[name] = NO_SUCH_ID


NO_SUCH_ID = 999_999_999
