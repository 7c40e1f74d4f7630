System.Console.WriteLine("todo");
