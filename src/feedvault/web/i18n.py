"""English and Simplified Chinese messages, and choosing between them per request.

Order of choice: ``?lang=`` (which also sets the cookie), the ``fv_lang`` cookie, then the
best match in Accept-Language. Unknown keys fall back to English, then to the key itself,
so a missing translation shows up as readable text rather than an error.
"""

from __future__ import annotations

LANGS = ("en", "zh")
LANG_COOKIE = "fv_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "site": "feedvault",
        "feeds": "Feeds",
        "search": "Search",
        "admin": "Admin",
        "login": "Log in",
        "logout": "Log out",
        "password": "Password",
        "entries": "Entries",
        "entry_count": "{n} entries",
        "last_update": "Last update",
        "never": "never",
        "status": "Status",
        "error": "Error",
        "per_day": "Items per day, {start} to {end}: {n} in all",
        "no_feeds": "No feeds yet.",
        "no_entries": "No entries.",
        "newer": "Newer",
        "older": "Older",
        "page": "Page {n}",
        "original": "Original article",
        "published": "Published",
        "first_seen": "First seen",
        "versions": "Versions",
        "version": "Version {n}",
        "seen": "seen {when}",
        "compare": "Compare",
        "diff_title": "Changes from version {a} to version {b}",
        "no_changes": "The text did not change.",
        "source": "HTML source",
        "source_of": "HTML source of version {n}",
        "back_to_entry": "Back to the entry",
        "search_placeholder": "Search the archive",
        "feed": "Feed",
        "all_feeds": "All feeds",
        "since": "Since",
        "until": "Until",
        "sort": "Sort",
        "newest": "Newest first",
        "relevance": "Most relevant",
        "results": "Results for “{q}”",
        "no_results": "Nothing found.",
        "search_unavailable": "Search is not available in this version.",
        "subscribe": "Subscribe (Atom)",
        "add_feed": "Add a feed",
        "feed_url": "Feed URL or local file",
        "name": "Name",
        "slug": "Slug",
        "fetch_now": "Fetch it now",
        "add": "Add",
        "import": "Import OPML or archive files",
        "files": "Files",
        "upload": "Upload",
        "settings": "Settings",
        "interval": "Update interval (seconds)",
        "full_text": "Fetch the full article",
        "selector": "Article CSS selector",
        "save": "Save",
        "saved": "Saved.",
        "added": "Added {name} ({n} entries).",
        "imported": "Imported: {summary}",
        "bad_login": "Wrong password.",
        "no_password": "No admin password is set. Run: feedvault admin set-password",
        "api_token": "Read token (for the API and Atom when the archive is private)",
        "new_token": "Make a new token",
        "token_shown": "New token (shown once): {token}",
        "private": "Private archive (reading needs a login or token)",
        "not_found": "Not found",
        "forbidden": "Forbidden",
        "bad_request": "Bad request",
        "language": "中文",
        "keys_help": "Keys: j/k next/previous, / search, o open",
        "from_to": "{a} → {b}",
        "untitled": "(untitled)",
        "date_utc": "Dates are UTC",
        "changes": "Changes",
        "changes_help": "Edits, disappearances and returns, newest first.",
        "changes_unavailable": "Changes are not recorded by this storage backend yet.",
        "no_changes_found": "No changes.",
        "kind": "Kind",
        "all_kinds": "All kinds",
        "kind_edit": "Edited",
        "kind_gone": "Gone",
        "kind_back": "Back",
        "how_feed": "noticed in the feed",
        "how_origin": "noticed at the article's page",
        "filter": "Filter",
    },
    "zh": {
        "site": "feedvault",
        "feeds": "订阅源",
        "search": "搜索",
        "admin": "管理",
        "login": "登录",
        "logout": "退出",
        "password": "密码",
        "entries": "文章",
        "entry_count": "{n} 篇",
        "last_update": "最近更新",
        "never": "从未",
        "status": "状态",
        "error": "错误",
        "per_day": "{start} 至 {end} 每日篇数，共 {n} 篇",
        "no_feeds": "还没有订阅源。",
        "no_entries": "没有文章。",
        "newer": "较新",
        "older": "较早",
        "page": "第 {n} 页",
        "original": "原文链接",
        "published": "发布时间",
        "first_seen": "首次收录",
        "versions": "版本",
        "version": "第 {n} 版",
        "seen": "收录于 {when}",
        "compare": "比较",
        "diff_title": "第 {a} 版到第 {b} 版的改动",
        "no_changes": "正文没有改动。",
        "source": "HTML 源码",
        "source_of": "第 {n} 版的 HTML 源码",
        "back_to_entry": "返回文章",
        "search_placeholder": "搜索存档",
        "feed": "订阅源",
        "all_feeds": "全部订阅源",
        "since": "起始日期",
        "until": "截止日期",
        "sort": "排序",
        "newest": "最新在前",
        "relevance": "最相关",
        "results": "“{q}”的搜索结果",
        "no_results": "没有找到。",
        "search_unavailable": "此版本暂不支持搜索。",
        "subscribe": "订阅（Atom）",
        "add_feed": "添加订阅源",
        "feed_url": "订阅源网址或本地文件",
        "name": "名称",
        "slug": "短名",
        "fetch_now": "立即抓取",
        "add": "添加",
        "import": "导入 OPML 或存档文件",
        "files": "文件",
        "upload": "上传",
        "settings": "设置",
        "interval": "更新间隔（秒）",
        "full_text": "抓取全文",
        "selector": "正文 CSS 选择器",
        "save": "保存",
        "saved": "已保存。",
        "added": "已添加 {name}（{n} 篇）。",
        "imported": "已导入：{summary}",
        "bad_login": "密码错误。",
        "no_password": "尚未设置管理员密码。请运行：feedvault admin set-password",
        "api_token": "读取令牌（存档不公开时供 API 与 Atom 使用）",
        "new_token": "生成新令牌",
        "token_shown": "新令牌（只显示一次）：{token}",
        "private": "不公开存档（阅读需要登录或令牌）",
        "not_found": "找不到",
        "forbidden": "禁止访问",
        "bad_request": "请求有误",
        "language": "English",
        "keys_help": "快捷键：j/k 下一篇/上一篇，/ 搜索，o 打开",
        "from_to": "{a} → {b}",
        "untitled": "（无标题）",
        "date_utc": "日期为 UTC 时间",
        "changes": "变更",
        "changes_help": "修改、消失与恢复，最新在前。",
        "changes_unavailable": "此存储后端暂不记录变更。",
        "no_changes_found": "没有变更。",
        "kind": "类型",
        "all_kinds": "全部类型",
        "kind_edit": "已修改",
        "kind_gone": "已消失",
        "kind_back": "已恢复",
        "how_feed": "在订阅源中发现",
        "how_origin": "在原文页面发现",
        "filter": "筛选",
    },
}


def translate(lang: str, key: str, **args: object) -> str:
    text = MESSAGES.get(lang, {}).get(key) or MESSAGES["en"].get(key) or key
    return text.format(**args) if args else text


def _from_accept(header: str) -> str | None:
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0 and (best is None or q > best[0]):
            best = (q, primary)
    return best[1] if best else None


def choose_lang(query: str | None, cookie: str | None, accept: str | None) -> str:
    for value in (query, cookie):
        if value in LANGS:
            return value
    return _from_accept(accept or "") or "en"
