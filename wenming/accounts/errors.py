from wenming.core.errors import ErrorCode


class AccountError(ErrorCode):
    BAD_CREDENTIALS = ("auth.bad_credentials", "用户名/手机号或密码错误", 401)
    LOCKED = ("auth.locked", "登录失败次数过多，请 {minutes} 分钟后再试", 429)
    INACTIVE = ("auth.inactive", "该账号已停用", 401)
    TOKEN_INVALID = ("auth.token_invalid", "访问令牌无效或已过期", 401)
    ROLE_NOT_GRANTABLE = ("accounts.role_not_grantable", "您不能分配“{role}”角色", 403)
    SELF_GRANT = ("accounts.self_grant", "不能给自己分配角色，请由上级管理员办理", 403)
    ROLE_NEEDS_TEAM = ("accounts.role_needs_team", "队长角色必须指定队伍", 422)
    OUTSIDE_NODE = ("accounts.outside_node", "队伍或单位必须在该角色所在阵地的范围内", 422)
    ROLE_NEEDS_UNIT = ("accounts.role_needs_unit", "文明单位联络员必须指定单位", 422)
    USERNAME_INVALID = ("accounts.username_invalid",
                        "用户名应为 3–150 个字符（字母、数字、汉字及 @.+-_），且不能是纯数字", 422)
    USERNAME_TAKEN = ("accounts.username_taken", "用户名“{username}”已被使用", 409)
    PHONE_TAKEN = ("accounts.phone_taken", "该手机号已绑定其他账号", 409)
    WEAK_PASSWORD = ("accounts.weak_password", "密码不符合要求：{detail}", 422)
    # Phone + text-code login (accounts/phone_login.py). The answers never tell whether a
    # phone has an account: an unknown phone gets "sent" and "wrong code" like a known one.
    PHONE_REQUIRED = ("auth.phone_required", "请填写手机号码", 422)
    PHONE_INVALID = ("auth.phone_invalid", "手机号码无效，应为 11 位中国大陆手机号", 422)
    CODE_FORMAT = ("auth.code_format", "请输入短信中的 6 位数字验证码", 422)
    CODE_WRONG = ("auth.code_wrong", "验证码不正确或已过期，请重新获取", 401)
    CODE_USED = ("auth.code_used", "该验证码已使用过，请重新获取", 409)
    CODE_TOO_SOON = ("auth.code_too_soon", "验证码已发送，请 {seconds} 秒后再试", 429)
    CODE_LIMIT = ("auth.code_limit", "该手机号获取验证码次数过多，请 1 小时后再试", 429)
