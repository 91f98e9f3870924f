"""中文提示：说明会出什么错、应该怎么改。"""

MESSAGES = {
    "MPL101": "{api} 在模块导入时就启动了子进程，而 spawn 方式下子进程会重新导入本模块；请移到 if __name__ == '__main__': 下",
    "MPL102": "{function}() 会启动子进程，却在模块导入时被直接调用；请改为只在 if __name__ == '__main__': 下调用",
    "MPL103": "在模块导入时调用 set_start_method({method!r})，子进程重新导入本模块时会抛 RuntimeError；请移到 if __name__ == '__main__': 下",
    "MPL201": "通过 {api} 交给子进程的 lambda 无法被 pickle；请改成在模块顶层用 def 定义的函数",
    "MPL202": "通过 {api} 交给子进程的 '{callable}' 定义在函数内部，pickle 按名字找不到它；请把它移到模块顶层定义",
    "MPL203": "通过 {api} 传给子进程的对象（{what}）无法被 pickle；请改传路径或参数，到子进程里再打开或创建（锁请用 multiprocessing.Lock，经 initargs= 传入）",
    "MPL204": "multiprocessing 的 {what} 不能作为进程池的任务参数（会抛 RuntimeError）；请经 initargs= 传入，或改用 Manager() 的代理对象",
    "MPL205": "'{callable}' 定义在 notebook 里，spawn 启动的子进程找不到它；请把它写进 .py 文件，再从那里导入",
    "MPL301": "在工作进程里打开的{what_zh}不是每条路径都会关闭；请用 with 语句打开",
    "MPL302": "进程池的 initializer 把写入用的{what_zh}存进全局变量，却没有用 Finalize 关闭：terminate() 时缓冲的数据会丢失；请注册 Finalize，或在每个任务里用 with 打开",
    "MPL303": "{api} 在这条执行路径上没有被关闭；请用 with 语句，或调用 close()+join() / shutdown()",
    "MPL401": "{api} 的返回值没有被使用：子进程里抛出的异常会被悄悄吞掉；请调用 .result() 或 .get() 取回结果",
    "MPL402": "ProcessPoolExecutor.map() 的结果没有被遍历：子进程里的异常永远不会抛出来；请遍历它返回的结果",
    "MPL403": "with Pool() 结束前没有等待 {api} 的结果：退出时进程池会被 terminate()，任务随之被杀掉；请先调用 .get()",
    "MPL501": "子进程写入的 {what} 还没取空就先 join()，数据一多就会死锁；请先用 {drain}() 取完结果再 join()",
    "MPL601": "这个大对象（{what}）每个任务都要重新 pickle 一次；请用 initializer= 只发送一次，或改用 Pool.map / 设置 chunksize=",
    "MPL602": "{api} 处理 {size} 个元素却没有设置 chunksize：每个元素都要单独 pickle 往返一次；请传入 chunksize=",
}

# 跨模块：问题出在调用另一个模块的那一行。
ACROSS_MESSAGES = {
    "MPL101": "`{function}()` 返回一个已启动的 {api}（{where}），却在模块导入时被调用，子进程会重新导入本模块；请移到 if __name__ == '__main__': 下",
    "MPL102": "`{function}()` 会启动子进程（{where} 的 `{api}`），却在模块导入时被直接调用；请改为只在 if __name__ == '__main__': 下调用",
    "MPL201": "交给 `{function}()` 的 lambda 会被它送到 {where} 的 `{api}`，无法被 pickle；请改成在模块顶层用 def 定义的函数",
    "MPL202": "交给 `{function}()` 的 '{callable}' 定义在函数内部，会被送到 {where} 的 `{api}`，pickle 按名字找不到它；请移到模块顶层定义",
    "MPL205": "'{callable}' 定义在 notebook 里，经 `{function}()` 送到 {where} 的 `{api}`，spawn 启动的子进程找不到它；请写进 .py 文件再导入",
}
