"""OpenTelemetry: one span per GraphQL operation (here) and one per SQL statement (domain.session), none per resolver.

Tracing is on only when the standard OTEL_* variables ask for an exporter (OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_TRACES_EXPORTER=otlp|console); otherwise the tracer is a no-op and costs nothing measurable.
"""

from __future__ import annotations

import os

from opentelemetry import trace

tracer = trace.get_tracer("yibao-credit")


def configure_tracing() -> bool:
    """Install an exporting tracer provider if the environment asks for one; return whether it did."""
    exporter_name = os.environ.get("OTEL_TRACES_EXPORTER", "")
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if exporter_name == "none" or not (endpoint or exporter_name in ("otlp", "console")):
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    exporter: SpanExporter
    if exporter_name == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "yibao-credit")})
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True
