import { Arg, Ctx, Field, ObjectType, Resolver } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { User } from '../user/user.type';

@ObjectType()
export class LoginPayload {
  @Field({ description: 'Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.' })
  token!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}

@Resolver()
export class SessionResolver {
  @AuditedMutation(() => LoginPayload, {
    access: 'PUBLIC',
    description: 'Signs in by username or e-mail. Repeated failures are throttled (RATE_LIMITED).',
  })
  async login(
    @Arg('login', () => String, { description: 'Username or e-mail.' }) login: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: Context,
  ): Promise<LoginPayload> {
    const result = await ctx.services.sessions.login(login, password);
    return { token: result.token, expiresAt: result.expiresAt, user: User.fromRow(result.user) };
  }

  @AuditedMutation(() => Boolean, { access: 'SIGNED_IN', description: 'Ends the current session.' })
  logout(@Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.sessions.logout(ctx.viewer!);
  }

  @AuditedMutation(() => User, {
    access: 'SIGNED_IN',
    description: 'Changes the signed-in user’s password; every other session of the user ends.',
  })
  async changePassword(
    @Arg('oldPassword', () => String) oldPassword: string,
    @Arg('newPassword', () => String) newPassword: string,
    @Arg('confirmPassword', () => String, { description: 'Must equal newPassword.' }) confirmPassword: string,
    @Ctx() ctx: Context,
  ): Promise<User> {
    const row = await ctx.services.sessions.changePassword(ctx.viewer!, oldPassword, newPassword, confirmPassword);
    return User.fromRow(row);
  }
}
