import graphene
import graphql_jwt
from django.contrib.auth import get_user_model
from graphene import relay
from graphene_django import DjangoConnectionField, DjangoObjectType
from graphql_jwt.decorators import login_required, staff_member_required


class UserType(DjangoObjectType):
    class Meta:
        model = get_user_model()
        fields = ("id", "email", "first_name", "last_name")
        interfaces = (relay.Node,)


class Query(graphene.ObjectType):
    me = graphene.Field(UserType)
    users = DjangoConnectionField(UserType)

    @login_required
    def resolve_me(self, info):
        return info.context.user

    @staff_member_required
    def resolve_users(self, info, **kwargs):
        return get_user_model().objects.order_by("id")


class UpdateProfile(graphene.Mutation):
    class Arguments:
        first_name = graphene.String(required=True)

    user = graphene.Field(UserType)

    @login_required
    def mutate(self, info, first_name):
        user = info.context.user
        user.first_name = first_name
        user.save(update_fields=["first_name"])
        return UpdateProfile(user=user)


class Mutation(graphene.ObjectType):
    token_auth = graphql_jwt.ObtainJSONWebToken.Field()
    refresh_token = graphql_jwt.Refresh.Field()
    update_profile = UpdateProfile.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
