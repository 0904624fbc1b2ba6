"""The complaints part of the JSON API (mounted at /api/v1/complaints/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from complaints.ingest.intake import IntakeError, receive_packet
from custodywatch_protocol.terminal import PACKET_SIZE

router = Router()


@router.post("/terminal/packet", auth=None, include_in_schema=True, url_name="terminal-packet",
             summary="A complaint terminal's packet (raw bytes); the answer is a packet of the same size")
def terminal_packet(request: HttpRequest) -> HttpResponse:
    """No user authentication: the device signature inside the packet authenticates the terminal."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) != PACKET_SIZE:
        return JsonResponse({"field": "packet", "error": f"a packet is exactly {PACKET_SIZE} bytes"}, status=400)
    try:
        answer = receive_packet(request.body)
    except IntakeError as exc:
        return JsonResponse({"field": exc.field, "error": exc.error}, status=exc.status)
    return HttpResponse(answer, content_type="application/octet-stream")
