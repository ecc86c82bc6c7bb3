"""`wenming import volunteers FILE.xlsx [--dry-run] [--actor USERNAME] [--errors OUT.xlsx]`.

Exit code 0 when the file was processed (bad rows are listed and written to the error
workbook, FILE.errors.xlsx by default); non-zero when the file is refused as a whole.
`wenming import volunteers --template OUT.xlsx` writes the empty template instead.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from wenming.accounts.command_actor import command_actor
from wenming.core.errors import DomainError
from wenming.volunteers.roster.importer import import_roster
from wenming.volunteers.roster.template import build_template

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "从 Excel 名册导入志愿者（按证件号码新增或更新，可重复导入）"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["volunteers"], help="导入的数据：volunteers（志愿者名册）")
        parser.add_argument("file", nargs="?", help="名册文件 .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入任何数据")
        parser.add_argument("--actor", help="以该账号的名义导入（默认：第一个系统管理员）")
        parser.add_argument("--errors", help="错误清单保存位置（默认：FILE.errors.xlsx）")
        parser.add_argument("--template", metavar="OUT.xlsx", help="不导入，只生成空白名册模板")
        parser.add_argument("--batch-size", type=int, default=1000, help="每批（一个事务）的行数，默认 1000")
        parser.add_argument("--serial", action="store_true", help="在本进程内读取文件（不启动读取子进程）")

    def handle(self, *args, kind, file, dry_run, actor, errors, template, batch_size, serial, **options):
        if template:
            Path(template).write_bytes(build_template())
            self.stdout.write(f"已生成名册模板：{template}")
            return
        if not file:
            raise CommandError("请指定名册文件，例如：wenming import volunteers 名册.xlsx")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        user = command_actor(actor)
        errors_path = Path(errors) if errors else path.with_name(f"{path.stem}.errors.xlsx")
        bar = tqdm(unit="行", desc="导入" if not dry_run else "检查", file=sys.stderr, disable=None, leave=False)

        def progress(done: int, total: int | None) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            report = import_roster(actor=user, source=path, dry_run=dry_run, errors_path=errors_path,
                                   progress=progress, batch_size=batch_size, parallel=False if serial else None)
        except DomainError as err:
            raise CommandError(f"[{err.code}] {err.message}") from None
        finally:
            bar.close()
        self.stdout.write(report.summary() + f"，用时 {report.seconds:.1f} 秒")
        for error in report.errors[:SHOWN_ERRORS]:
            where = f"【{error.column}】" if error.column else ""
            self.stdout.write(f"  第 {error.row} 行{where}{error.message}（{error.code}）")
        if len(report.errors) > SHOWN_ERRORS:
            self.stdout.write(f"  …… 另有 {len(report.errors) - SHOWN_ERRORS} 行有误，详见错误清单")
        if report.errors_path:
            self.stdout.write(f"错误清单（证件号码、手机号码已脱敏）：{report.errors_path}")
