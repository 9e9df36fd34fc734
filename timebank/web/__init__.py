"""The edge every feature shares: HTML actions (commit once, or roll back and flash), forms,
pagination, JSON API helpers, inputs, OpenAPI, site pages and headers."""


def init_app(app) -> None:
    from timebank.web import inputs, site

    # Ids in URLs stop at the database's integer: /activities/3000000000 is a 404, not an overflow.
    app.url_map.converters["int"] = inputs.IdConverter
    app.before_request(inputs.refuse_bad_text)
    app.context_processor(site.template_context)
    app.extensions["timebank.urls"] = {}
    app.jinja_env.globals.update(site.TEMPLATE_GLOBALS)
    app.jinja_env.filters["spending"] = site.TEMPLATE_GLOBALS["format_spending"]
    app.jinja_env.filters.update(site.DATE_FILTERS)
    app.after_request(site.security_headers)
    app.register_blueprint(site.bp)
