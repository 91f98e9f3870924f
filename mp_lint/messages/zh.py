"""中文提示：说明会出什么错、应该怎么改。"""

MESSAGES = {
    "MPL101": "{api} 在模块导入时就启动了子进程；spawn 下子进程会重新导入本模块，请移到 if __name__ == '__main__': 下",
    "MPL102": "{function}() 会启动子进程，却在导入时被调用；请只在 if __name__ == '__main__': 下调用它",
    "MPL103": "在导入时调用 set_start_method({method!r})，子进程重新导入时会抛 RuntimeError；请移到 __main__ 保护块内",
    "MPL201": "通过 {api} 发给子进程的 lambda 无法被 pickle；请改用模块顶层定义的函数",
    "MPL202": "通过 {api} 发给子进程的{what} '{callable}' 无法被 pickle；请把它定义在模块顶层",
}
