"""中文提示：说明会出什么错、应该怎么改。"""

MESSAGES = {
    "MPL101": "{api} 在模块导入时就启动了子进程，而 spawn 方式下子进程会重新导入本模块；请移到 if __name__ == '__main__': 下",
    "MPL102": "{function}() 会启动子进程，却在模块导入时被直接调用；请改为只在 if __name__ == '__main__': 下调用",
    "MPL103": "在模块导入时调用 set_start_method({method!r})，子进程重新导入本模块时会抛 RuntimeError；请移到 if __name__ == '__main__': 下",
    # MPL104、MPL206、MPL304：进程边界上的错误。
    "MPL104": "{what} 写在模块顶层，spawn 启动的每个子进程导入时都会再执行一次（{error}）；请移到 if __name__ == '__main__': 下",
    "MPL206": "异常类 {exception} 没有把 __init__ 的参数全部传给 super().__init__()，父进程无法还原它（Pool.map 会卡死）；请原样传入全部参数",
    "MPL304": "{api} 写在守护进程（如进程池的工作进程）里，而守护进程不能再创建子进程（AssertionError）；请让外层改用 ProcessPoolExecutor",
    "MPL201": "通过 {api} 交给子进程的 lambda 无法被 pickle；请改成在模块顶层用 def 定义的函数",
    "MPL202": "通过 {api} 交给子进程的 '{callable}' 定义在函数内部，pickle 按名字找不到它；请把它移到模块顶层定义",
    "MPL203": "通过 {api} 传给子进程的对象（{what_zh}）无法被 pickle；请改传路径或参数，到子进程里再打开或创建（锁请用 multiprocessing.Lock，经 initargs= 传入）",
    "MPL204": "multiprocessing 的 {what_zh} 不能作为进程池的任务参数（会抛 RuntimeError）；请经 initargs= 传入，或改用 Manager() 的代理对象",
    "MPL205": "'{callable}' 定义在 notebook 里，spawn 启动的子进程找不到它；请把它写进 .py 文件，再从那里导入",
    "MPL301": "在工作进程里打开的{what_zh}不是每条路径都会关闭；请用 with 语句打开",
    "MPL302": "进程池的 initializer 把写入用的{what_zh}存进全局变量，却没有用 Finalize 关闭：terminate() 时缓冲的数据会丢失；请注册 Finalize，或在每个任务里用 with 打开",
    "MPL303": "{api} {where_zh}，它的工作进程不会被回收；请用 with 语句，或调用 close()+join() / shutdown()",
    "MPL401": "{api} 的返回值没有被使用：子进程里抛出的异常会被悄悄吞掉；请调用 .result() 或 .get() 取回结果",
    "MPL402": "ProcessPoolExecutor.map() 的结果没有被遍历：子进程里的异常永远不会抛出来；请遍历它返回的结果",
    "MPL403": "with Pool() 结束前没有等待 {api} 的结果：退出时进程池会被 terminate()，任务随之被杀掉；请先调用 .get()",
    "MPL501": "子进程写入的 {what} 还没取空就先 join()，数据一多就会死锁；请先用 {drain}() 取完结果再 join()",
    "MPL601": "这个大对象（{what_zh}）每个任务都要重新 pickle 一次；请用 initializer= 只发送一次，或改用 Pool.map / 设置 chunksize=",
    "MPL602": "{api} 处理 {size} 个元素却没有设置 chunksize：每个元素都要单独 pickle 往返一次；请传入 chunksize=",
    "MPL701": "子进程{how_zh}了模块级变量 '{name}'，改动只留在子进程里，父进程看不到；请把结果 return 回来，或用 Queue 传回",
    "MPL702": "'{name}' 只在 if __name__ == '__main__': 下赋值，spawn 子进程重新导入模块时看不到它；请通过参数或 initargs= 传给子进程",
    "MPL703": "模块级创建的 {what} '{name}' 会在每个 spawn 子进程里重新创建一份，彼此不相通；请在 __main__ 下创建，再经 args= 或 initargs= 传入",
    "MPL704": "对 {target} 先读后写却没有加锁，多个进程同时更新会丢掉一部分结果；请用 {lock_zh} 保护这次更新",
    "MPL705": "从 Manager 的 {proxy} 代理里取出的值只是副本，原地修改它不会生效；请改完后再赋值回去，或在里面存放 manager.list() 这样的代理",
}

#: 命令输出的其他文字：读取错误及其原因。
TEXTS = {
    "cannot_read": "无法读取 {path}：{reason}",
    "no_such_file": "文件或文件夹不存在",
    "is_a_directory": "这是一个文件夹",
    "permission_denied": "没有读取权限",
    "os_error": "系统错误：{error}",
    "bad_encoding": "不是有效的 {encoding} 编码文本（第 {position} 个字节）",
    "unknown_encoding": "未知的编码声明：{error}",
    "syntax_error": "第 {line} 行有语法错误：{error}",
    "notebook_invalid_json": "不是 notebook 文件（JSON 格式无效：{detail}）",
    "notebook_no_cells": "不是 notebook 文件（里面没有单元格列表）",
    "notebook_format": "不支持的 notebook 格式 {format}；只能读取 nbformat 4",
    "notebook_error": "不是可以读取的 notebook 文件：{error}",
}

#: 提示里对象种类的说法（分析给出的是英文）：英文 -> 中文。
#: 其余的是代码里的名字（threading.Lock、gzip.open、DataFrame），原样保留。
KINDS = {
    "open file": "已打开的文件",
    "threading lock": "threading 锁",
    "database cursor": "数据库游标",
    "generator": "生成器",
    "file contents": "读入的文件内容",
    "numpy array": "numpy 数组",
    "list": "列表",
    "dict": "字典",
    "set": "集合",
    "tuple": "元组",
    "bytearray": "bytearray",
    # "<name> connection": 由 "{}" 填入库名
    "connection": "{} 数据库连接",
    # "<Class> object 'x' holding <inner> in .<attr>"（MPL203）
    "holder": "{klass} 对象{name}，其 .{attr} 属性里是{inner}",
    # "<inner> in .<attr> of <Class> object 'x'"（MPL204）
    "held": "{inner}（在 {klass} 对象{name}的 .{attr} 属性里）",
}

# --- `mp-lint --fix` / `--diff`：为什么没有自动修复、提示和汇总 -----------------------
# 键名对应修复器的判断；`{占位符}` 由 mp_lint.fixes.text 填入。
FIX_MESSAGES = {
    # 标准错误输出上的提示
    "note.no-fix": "无法自动修复：{reason}",
    "note.held-back": "有一处不安全的修复没有应用（{reason}）；如确认无误，请加 --unsafe-fixes",
    "note.cannot-fix": "无法修复 {path}：{reason}",
    "note.summary": "已修复 {files} 个文件中的 {fixed} 处问题；还剩 {left} 处，其中 {new} 处是修复后新出现的",
    "note.summary-and": "{summary}；{more}",
    "note.unsafe-available": "另有 {count} 处修复需要加 --unsafe-fixes 才会应用",
    "diff.safe": "# mp-lint：{path} 的安全修复（--fix 会应用）",
    "diff.unsafe": "# mp-lint：{path} 的不安全修复（只有 --fix --unsafe-fixes 才会应用）",
    # 不安全修复为什么不安全
    "unsafe.guard": "把代码移到 __main__ 保护块下，会改变模块导入时执行的内容",
    "unsafe.partial": "它要通过 functools.partial 传入 {names}",
    # 整个文件的问题
    "fail.no-compile": "这个文件本身无法编译（{error}）",
    "fail.too-deep": "代码嵌套太深，修复器无法分析",
    "fail.read": "{error}",
    "fail.internal": "修复器出错了（{error}）",
    "fix.withdrawn": "修复已撤回：{problem}",
    "check.no-compile": "修复后的代码无法编译（{error}）",
    "check.no-parse": "修复后的代码无法再次解析（{error}）",
    "check.no-tokenize": "修复后的代码无法切分词法单元（{error}）",
    "check.drops": "修复会丢掉 {tokens}",
    # MPL201、MPL202：把函数移到模块顶层
    "owner.enclosing": "外层作用域",
    "lift.local-class": "定义在函数内部的类不会自动移动；请把它移到模块顶层定义",
    "lift.local-method": "函数内部定义的类的方法不会自动移动；请把整个类移到模块顶层",
    "lift.not-located": "找不到这个可调用对象的定义",
    "lift.bound-twice-where-used": "在使用它的地方，'{name}' 被赋值了不止一次",
    "lift.undefined": "它读取了 '{name}'，但本模块没有定义这个名字",
    "lift.global-assigned-in-function": "'{name}' 还在某个函数里被重新赋值，子进程看到的值可能不一样",
    "lift.binding-not-found": "找不到 '{name}' 是在哪里赋值的",
    "lift.set-under-guard": "'{name}' 只在 __main__ 保护块里赋值，而子进程不会执行那一段",
    "lift.super": "它调用了 super()，离开定义它的类就无法工作",
    "lift.bound-twice-in": "它读取的 '{name}' 在 {owner} 中被赋值了不止一次",
    "lift.loop-variable": "它读取了循环变量 '{name}'",
    "lift.uses-local-definition": "它用到了定义在 {owner} 内部的 '{name}'；请先把那个定义移到模块顶层",
    "lift.local-variable": "它读取了 {owner} 的局部变量 '{name}'；请把它改成参数",
    "lift.reads-from": "它读取了 {owner} 中的 '{name}'",
    "lift.header-not-global": "它的默认值或类型注解读取了 '{name}'，而这不是模块顶层的名字",
    "lift.header-bound-later": "它的默认值或类型注解读取了 '{name}'，而 '{name}' 在后面才赋值",
    "lift.lambda-not-located": "找不到这个 lambda 的位置",
    "lift.not-in-function": "'{name}' 不是直接定义在某个函数里的",
    "lift.in-block": "'{name}' 定义在 {owner} 的某个代码块里；请手动移动",
    "lift.coroutine": "'{name}' 是协程函数（async def）",
    "lift.decorated": "'{name}' 带有装饰器，而装饰器是在 {owner} 里执行的",
    "lift.function-bound-twice": "'{name}' 在 {owner} 中被赋值了不止一次",
    "lift.function-not-located": "找不到 '{name}' 的定义",
    "lift.nonlocal": "它给 {owner} 的 '{name}' 赋值（nonlocal）",
    "lift.used-oddly": "'{name}' 的用法太特殊，修复器无法跟踪",
    "lift.shadowed": "在使用 '{name}' 的地方，'{variable}' 指的是另一个东西",
    "lift.recursive-closure": "'{name}' 会调用自己，又依赖外层函数的变量；请手动移动",
    "lift.recursive-rename": "'{name}' 会调用自己，移动后需要改名；请手动移动",
    "lift.partial-clash": "在这里使用 functools.partial 会和已有的名字冲突；请手动绑定参数",
    # MPL101、MPL102、MPL103：把语句移到 __main__ 保护块下
    "guard.not-found": "找不到这条语句",
    "guard.in-class": "它在类 '{name}' 的类体中执行；请手动把它移出类",
    "guard.in-def-header": "它在 '{name}' 的装饰器或默认参数中执行；请手动移动",
    "guard.in-name-test": "它位于判断 __name__ 的某个分支里；请手动移动",
    "guard.many-tests": "它后面有不止一处判断 __name__ 的代码；请手动移动",
    "guard.needed-at-import": "第 {line} 行在导入时就要用到 '{name}'；请手动移动",
    "guard.defines-needed": "第 {line} 行还定义了 '{name}'，而函数在导入时就需要它",
    "guard.bound-again": "'{name}' 在第 {line} 行又被赋值一次，移动后那一行会先执行",
}

# 跨模块：问题出在调用另一个模块的那一行。
ACROSS_MESSAGES = {
    "MPL101": "`{function}()` 返回一个已启动的 {api}（{where}），却在模块导入时被调用，子进程会重新导入本模块；请移到 if __name__ == '__main__': 下",
    "MPL102": "`{function}()` 会启动子进程（{where} 的 `{api}`），却在模块导入时被直接调用；请改为只在 if __name__ == '__main__': 下调用",
    "MPL201": "交给 `{function}()` 的 lambda 会被它送到 {where} 的 `{api}`，无法被 pickle；请改成在模块顶层用 def 定义的函数",
    "MPL202": "交给 `{function}()` 的 '{callable}' 定义在函数内部，会被送到 {where} 的 `{api}`，pickle 按名字找不到它；请移到模块顶层定义",
    "MPL205": "'{callable}' 定义在 notebook 里，经 `{function}()` 送到 {where} 的 `{api}`，spawn 启动的子进程找不到它；请写进 .py 文件再导入",
}
