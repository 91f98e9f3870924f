"""中文提示：说明会出什么错、应该怎么改。"""

MESSAGES = {
    "MPL101": "{api} 在模块导入时就启动了子进程；spawn 下子进程会重新导入本模块，请移到 if __name__ == '__main__': 下",
    "MPL102": "{function}() 会启动子进程，却在导入时被调用；请只在 if __name__ == '__main__': 下调用它",
    "MPL103": "在导入时调用 set_start_method({method!r})，子进程重新导入时会抛 RuntimeError；请移到 __main__ 保护块内",
    "MPL201": "通过 {api} 发给子进程的 lambda 无法被 pickle；请改用模块顶层定义的函数",
    "MPL202": "通过 {api} 发给子进程的{what} '{callable}' 无法被 pickle；请把它定义在模块顶层",
    "MPL203": "通过 {api} 传给子进程的 {what} 无法被 pickle；请改传路径或参数，在子进程里再打开或创建（锁请用 initargs= 传 multiprocessing.Lock）",
    "MPL204": "multiprocessing 的 {what} 不能作为进程池任务参数传递（会抛 RuntimeError）；请改用 initargs= 传入，或用 Manager() 代理",
    "MPL205": "在 notebook 里定义的工作函数 '{callable}'，spawn 出的子进程找不到；请把它放进 .py 模块再导入",
    "MPL301": "在工作进程里打开的{what_zh}并非在所有路径上都会关闭；请用 with 语句",
    "MPL302": "进程池 initializer 把写入用的{what_zh}存进全局变量却没注册 Finalize：terminate() 时缓冲的数据会丢失；请加 Finalize 或在每个任务里用 with 打开",
    "MPL303": "{api} 在这条路径上从未关闭；请用 with 语句，或调用 close()+join() / shutdown()",
    "MPL401": "{api} 的返回值被丢弃了：子进程里的异常永远不会被看到；请调用 .result() 或 .get()",
    "MPL402": "ProcessPoolExecutor.map() 的结果从未被遍历：子进程里的异常永远不会抛出",
    "MPL403": "{api} 的结果在 with Pool() 结束前没有等待；退出时进程池会被 terminate()，请先调用 .get()",
    "MPL501": "子进程写入的 {what} 还没被取空就 join()，数据一多就会死锁；请先 {drain}() 取出结果再 join()",
    "MPL601": "{what} 会随每个任务重复 pickle 一次；请用 initializer= 只发送一次，或改用 Pool.map / 设置 chunksize=",
    "MPL602": "{api} 处理 {size} 个元素却没设 chunksize：每个元素都要一次 pickle 往返；请传入 chunksize=",
}
