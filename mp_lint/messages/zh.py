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
