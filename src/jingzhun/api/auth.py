"""`POST api/auth/token/`: username and password for an API token; throttled and audited."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from jingzhun.accounts.services import token_issue


class TokenView(ObtainAuthToken):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_issue(actor=serializer.validated_data["user"])
        return Response({"token": token.key})
