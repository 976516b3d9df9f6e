import jwt
from django.conf import settings
from django.http import HttpRequest, JsonResponse

from peers.reference.models import Account


def me(request: HttpRequest) -> JsonResponse:
    """Decode the Bearer token with PyJWT, load the user by pk in one query."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JsonResponse({"detail": "unauthenticated"}, status=401)
    try:
        claims = jwt.decode(token, settings.JWT_SIGNING_KEY, algorithms=["HS256"])
        account = Account.objects.get(pk=claims["user_id"], is_active=True)
    except (jwt.PyJWTError, KeyError, Account.DoesNotExist):
        return JsonResponse({"detail": "unauthenticated"}, status=401)
    return JsonResponse(
        {"id": account.pk, "email": account.email, "name": account.name}
    )


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
